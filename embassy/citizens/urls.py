from django.urls import path

from embassy.citizens import views

app_name = "citizens"
urlpatterns = [
    path("", views.home, name="home"),
    path("lapor-diri/", views.stay_new, name="stay-new"),
    path("lapor-diri/<int:stay_id>/selesai/", views.stay_finish, name="stay-end"),
    path("profil/", views.profile, name="profile"),
    path("kontak-darurat/", views.contact_new, name="contact-new"),
    path("kontak-darurat/<int:contact_id>/hapus/", views.contact_delete, name="contact-delete"),
]

console_patterns = [
    path("warga/", views.console_citizens, name="citizens"),
    path("warga/<int:citizen_id>/", views.console_citizen, name="citizen"),
]
