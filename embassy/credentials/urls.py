from django.urls import URLPattern, path

from embassy.credentials import views

app_name = "credentials"
urlpatterns: list[URLPattern] = [
    path("verifikasi/", views.verify_page, name="verify"),
    path("verifikasi/kunci/", views.keys_page, name="keys"),
    path("kartu/", views.my_cards, name="mine"),
    path("kartu/<str:serial>/", views.my_card, name="card"),
    path("kartu/<str:serial>/tampilkan/", views.my_card_consent, name="card-consent"),
    path("kartu/<str:serial>/kartu.pdf", views.my_card_pdf, name="card-pdf"),
]

console_patterns: list[URLPattern] = [
    path("dokumen/", views.console_index, name="credentials-index"),
    path("dokumen/<str:code>/", views.console_mission, name="credentials-mission"),
    path("dokumen/<str:code>/terbitkan/<int:citizen_id>/", views.console_issue, name="credentials-issue"),
    path("dokumen/<str:code>/<str:serial>/", views.console_detail, name="credentials-detail"),
    path("dokumen/<str:code>/<str:serial>/cabut/", views.console_revoke, name="credentials-revoke"),
    path("dokumen/<str:code>/<str:serial>/kartu.pdf", views.console_pdf, name="credentials-pdf"),
]
