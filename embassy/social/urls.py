from django.urls import URLPattern, path

from embassy.social import views

console_patterns: list[URLPattern] = [
    path("sosmed/", views.account_list, name="social-accounts"),
    path("sosmed/dasbor/", views.dashboard, name="social-dashboard"),
    path("sosmed/dasbor/ekspor.<str:fmt>", views.dashboard_export, name="social-export"),
    path("sosmed/laporan/<str:period>/", views.report_page, name="social-report"),
    path("sosmed/laporan/<str:period>.pdf", views.report_page, name="social-report-pdf"),
    path("sosmed/<int:account_id>/", views.account_page, name="social-account"),
    path("sosmed/<int:account_id>/tarik/", views.account_pull_now, name="social-pull"),
    path("sosmed/<int:account_id>/sambung/", views.account_connect, name="social-connect"),
    path("sosmed/<int:account_id>/impor/", views.account_import, name="social-import"),
]
