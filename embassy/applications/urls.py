from django.urls import URLPattern, path

from embassy.applications import console, views

app_name = "applications"
urlpatterns: list[URLPattern] = [
    path("permohonan/", views.my_applications, name="list"),
    path("permohonan/baru/", views.choose, name="choose"),
    path("permohonan/baru/<str:code>/<slug:service>/", views.apply_form, name="apply"),
    path("permohonan/<str:reference>/", views.detail, name="detail"),
    path("permohonan/<str:reference>/kirim-ulang/", views.resubmit, name="resubmit"),
]

console_patterns: list[URLPattern] = [
    path("permohonan/", console.queue_index, name="applications"),
    path("permohonan/<str:code>/", console.queue_page, name="applications-queue"),
    path("permohonan/<str:code>/kas/", console.cash_page, name="applications-cash"),
    path("permohonan/<str:code>/kas.csv", console.cash_csv, name="applications-cash-csv"),
    path("permohonan/<str:code>/<str:reference>/", console.detail_page, name="applications-detail"),
    path("permohonan/<str:code>/<str:reference>/status/", console.advance, name="applications-advance"),
    path("permohonan/<str:code>/<str:reference>/bayar/", console.payment_add, name="applications-payment"),
    path("permohonan/<str:code>/<str:reference>/splp/", console.splp_issue, name="applications-splp"),
    path(
        "permohonan/<str:code>/<str:reference>/dokumen/<int:document_id>/",
        console.document_download,
        name="applications-document",
    ),
]
