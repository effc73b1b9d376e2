from django.urls import URLPattern, path

from embassy.consular import appointment_views as appointments
from embassy.consular import console_views, views

app_name = "consular"
urlpatterns: list[URLPattern] = [
    path("layanan/", views.catalogue_index, name="index"),
    path("perwakilan/<str:code>/layanan/", views.mission_services, name="mission"),
    path("perwakilan/<str:code>/layanan/<slug:service>/", views.service_page, name="service"),
    path("perwakilan/<str:code>/layanan/<slug:service>/janji/", appointments.slots_page, name="slots"),
    path("perwakilan/<str:code>/layanan/<slug:service>/antre/", appointments.waitlist_join, name="waitlist-join"),
    path("janji/", appointments.my_bookings, name="my-bookings"),
    path("janji/antre/<int:entry_id>/keluar/", appointments.waitlist_leave, name="waitlist-leave"),
    path("janji/<str:reference>/", appointments.booking_page, name="booking"),
    path("janji/<str:reference>/kalender.ics", appointments.booking_calendar, name="booking-ics"),
    path("janji/<str:reference>/batal/", appointments.booking_cancel, name="booking-cancel"),
    path("janji/<str:reference>/terima/", appointments.offer_accept, name="offer-accept"),
]

console_patterns: list[URLPattern] = [
    path("layanan/", views.terms_index, name="consular-terms-index"),
    path("layanan/tanda/", console_views.flags_page, name="consular-flags"),
    path("layanan/tanda/<int:flag_id>/", console_views.flag_review, name="consular-flag-review"),
    path("layanan/<str:code>/rilis/", console_views.release, name="consular-release"),
    path("layanan/<str:code>/kapasitas/", console_views.capacity_page, name="consular-capacity"),
    path("layanan/<str:code>/", views.terms_page, name="consular-terms"),
    path("layanan/<str:code>/jam/", views.hours_save, name="consular-hours"),
    path("layanan/<str:code>/loket/", views.counter_add, name="consular-counter"),
    path("layanan/<str:code>/<int:service_id>/", views.terms_save, name="consular-terms-save"),
]
