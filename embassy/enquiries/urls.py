from django.urls import URLPattern, path

from embassy.enquiries import views

app_name = "enquiries"

# Console pages (under /konsol/, namespace "console") and public pages (namespace "enquiries", at the site root).
console_patterns: list[URLPattern] = [
    path("krisis/<int:crisis_id>/dicari/", views.console_list, name="enquiries"),
    path("krisis/<int:crisis_id>/dicari/panel/", views.console_panel, name="enquiries-panel"),
    path("krisis/<int:crisis_id>/dicari/telepon/", views.console_phone, name="enquiry-phone"),
    path("krisis/<int:crisis_id>/dicari/pfif.xml", views.console_pfif, name="enquiries-pfif"),
    path("krisis/<int:crisis_id>/dicari/<int:enquiry_id>/", views.console_detail, name="enquiry"),
    path("krisis/<int:crisis_id>/dicari/<int:enquiry_id>/konfirmasi/", views.console_confirm,
         name="enquiry-confirm"),
]

urlpatterns: list[URLPattern] = [
    path("cari-keluarga/", views.crises_public, name="crises"),
    path("cari-keluarga/krisis/<int:crisis_id>/", views.enquiry_new, name="new"),
    path("kabar/<str:token>/", views.enquiry_status, name="status"),
    path("profil/kabar-untuk-keluarga/", views.sharing, name="sharing"),
]
