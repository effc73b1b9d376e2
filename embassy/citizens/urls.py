from django.urls import path

from embassy.citizens import pwa, views
from embassy.citizens.where import views as where_views

app_name = "citizens"
urlpatterns = [
    path("", views.home, name="home"),
    path("lapor-diri/", views.stay_new, name="stay-new"),
    path("lapor-diri/cepat/", views.stay_quick, name="stay-quick"),
    path("lapor-diri/<int:stay_id>/", views.stay_edit, name="stay-edit"),
    path("lapor-diri/<int:stay_id>/terkirim/", views.stay_done, name="stay-done"),
    path("lapor-diri/<int:stay_id>/selesai/", views.stay_finish, name="stay-end"),
    path("lapor-diri/<int:stay_id>/konfirmasi/", views.stay_confirm, name="stay-confirm"),
    path("lapor-diri/<int:stay_id>/hapus-lokasi/", views.stay_purge, name="stay-purge"),
    path("profil/", views.profile, name="profile"),
    path("profil/konfirmasi/", views.profile_verify, name="profile-verify"),
    path("profil/keluarga/", views.dependant_new, name="dependant-new"),
    path("profil/keluarga/<int:dependant_id>/hapus/", views.dependant_delete, name="dependant-delete"),
    path("kontak-darurat/", views.contact_new, name="contact-new"),
    path("kontak-darurat/<int:contact_id>/hapus/", views.contact_delete, name="contact-delete"),
    # The installable web app: served from the root so that the service worker's scope is the whole site.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
]

console_patterns = [
    path("warga/", views.console_citizens, name="citizens"),
    path("warga/<int:citizen_id>/", views.console_citizen, name="citizen"),
    path("warga/tinggal/<int:stay_id>/verifikasi/", views.console_stay_verify, name="stay-verify"),
    path("sebaran/", where_views.where_page, name="where"),
    path("sebaran/tabel/", where_views.where_table, name="where-table"),
    path("sebaran/daftar/", where_views.where_list, name="where-list"),
    path("sebaran/ekspor.<str:fmt>", where_views.where_export, name="where-export"),
]
