"""Wires every app's router into the one API under /api/v1."""

from __future__ import annotations

from ninja import NinjaAPI

from embassy.accounts.api import router as accounts_router
from embassy.advisories.api import router as advisories_router
from embassy.applications.api import router as applications_router
from embassy.citizens.api import router as citizens_router
from embassy.citizens.api import staff_router as staff_citizens_router
from embassy.common.api import install_error_handlers, install_input_checks
from embassy.complaints.api import router as complaints_router
from embassy.consular.api import router as consular_router
from embassy.counter.api import router as counter_router
from embassy.credentials.api import router as credentials_router
from embassy.crises.api import me_router as crises_me_router
from embassy.crises.api import public_router as rollcall_router
from embassy.crises.api import router as crises_router
from embassy.enquiries.api import router as enquiries_router
from embassy.geo.api import router as geo_router
from embassy.missions.api import router as missions_router
from embassy.notify.api import router as notify_router
from embassy.performance.api import router as performance_router
from embassy.shelters.api import router as shelters_router
from embassy.sos.api import router as sos_router
from embassy.timeline.api import router as timeline_router

api = NinjaAPI(
    title="Smart Embassy API",
    version="1",
    description=(
        "Safe Travel and Smart Embassy. Authenticate with `Authorization: Bearer <token>` (mobile apps: "
        "POST /auth/code then /auth/code/verify) or with the web session (CSRF token required). Errors are "
        'JSON: {"detail": message, "code": ..., "errors": [{"field": ..., "message": ...}]}.'
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
install_input_checks(api)
api.add_router("/auth", accounts_router, tags=["auth"])
api.add_router("/", geo_router, tags=["countries"])
api.add_router("/", missions_router, tags=["missions"])
api.add_router("/me", citizens_router, tags=["citizen"])
api.add_router("/staff", staff_citizens_router, tags=["staff"])
api.add_router("/", advisories_router, tags=["advisories"])
api.add_router("/sos", sos_router, tags=["sos"])
api.add_router("/notify", notify_router, tags=["notify"])
api.add_router("/crises", crises_router, tags=["crises"])
api.add_router("/rollcall", rollcall_router, tags=["crises"])
api.add_router("/me", crises_me_router, tags=["citizen"])
api.add_router("/consular", consular_router, tags=["consular"])
api.add_router("/counter", counter_router, tags=["counter"])
api.add_router("/credentials", credentials_router, tags=["credentials"])
api.add_router("/applications", applications_router, tags=["applications"])
api.add_router("/complaints", complaints_router, tags=["complaints"])
api.add_router("/shelters", shelters_router, tags=["shelters"])
api.add_router("/enquiries", enquiries_router, tags=["enquiries"])
api.add_router("/timeline", timeline_router, tags=["timeline"])
api.add_router("/performance", performance_router, tags=["performance"])
