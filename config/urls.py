from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.api import api
from embassy.accounts import views as account_views
from embassy.advisories.urls import console_patterns as advisory_console
from embassy.applications.urls import console_patterns as applications_console
from embassy.citizens.urls import console_patterns as citizen_console
from embassy.common.views import favicon
from embassy.complaints.urls import console_patterns as complaints_console
from embassy.consular.urls import console_patterns as consular_console
from embassy.counter.urls import console_patterns as counter_console
from embassy.credentials.urls import console_patterns as credentials_console
from embassy.crises.report.urls import report_patterns
from embassy.crises.urls import console_patterns as crises_console
from embassy.enquiries.urls import console_patterns as enquiries_console
from embassy.geo import views as geo_views
from embassy.listening.triage_urls import console_patterns as triage_console
from embassy.listening.urls import console_patterns as listening_console
from embassy.missions import views as mission_views
from embassy.notify.urls import console_patterns as notify_console
from embassy.ops import views as ops_views
from embassy.performance.urls import console_patterns as performance_console
from embassy.publishing.urls import console_patterns as publishing_console
from embassy.shelters.urls import console_patterns as shelters_console
from embassy.social.urls import console_patterns as social_console
from embassy.sos.urls import console_patterns as sos_console
from embassy.timeline.urls import console_patterns as timeline_console

console = (
    [
        path("", ops_views.console_home, name="home"),
        path("dasbor-konsuler/", ops_views.consular_dashboard, name="consular-dashboard"),
        path("misi/", mission_views.switch_mission, name="switch-mission"),
        path("audit/", account_views.audit_log, name="audit-log"),
        path("audit/export.csv", account_views.audit_export, name="audit-export"),
        *citizen_console,
        *sos_console,
        *advisory_console,
        *notify_console,
        *crises_console,
        *report_patterns,
        *social_console,
        *triage_console,
        *listening_console,
        *publishing_console,
        *consular_console,
        *counter_console,
        *credentials_console,
        *applications_console,
        *complaints_console,
        *shelters_console,
        *enquiries_console,
        *timeline_console,
        *performance_console,
    ],
    "console",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.prometheus, name="metrics"),
    path("favicon.ico", favicon),
    path("geo/outlines.geojson", geo_views.outlines, name="geo-outlines"),
    path("geo/<slug:layer>/<int:z>/<int:x>/<int:y>.geojson", geo_views.tile, name="geo-tile"),
    path("konsol/", include(console)),
    path("", include("embassy.accounts.urls")),
    path("", include("embassy.missions.urls")),
    path("", include("embassy.citizens.urls")),
    path("", include("embassy.sos.urls")),
    path("", include("embassy.advisories.urls")),
    path("", include("embassy.notify.urls")),
    path("", include("embassy.crises.urls")),
    path("", include("embassy.consular.urls")),
    path("", include("embassy.counter.urls")),
    path("", include("embassy.credentials.urls")),
    path("", include("embassy.applications.urls")),
    path("", include("embassy.complaints.urls")),
    path("", include("embassy.shelters.urls")),
    path("", include("embassy.enquiries.urls")),
    path("", include("embassy.timeline.urls")),
    path("", include("embassy.performance.urls")),
]

handler403 = "embassy.common.views.error_403"
handler404 = "embassy.common.views.error_404"
handler500 = "embassy.common.views.error_500"
