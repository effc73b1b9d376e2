from django.urls import URLPattern, path

from embassy.counter import views

app_name = "counter"
urlpatterns: list[URLPattern] = [
    path("perwakilan/<str:code>/antrean/", views.kiosk, name="kiosk"),
    path("perwakilan/<str:code>/antrean/lapor/", views.kiosk_check_in, name="kiosk-check-in"),
    path("perwakilan/<str:code>/antrean/ambil/", views.kiosk_walk_in, name="kiosk-walk-in"),
    path("perwakilan/<str:code>/antrean/tiket/<str:token>/", views.kiosk_ticket, name="kiosk-ticket"),
    path("perwakilan/<str:code>/antrean/layar/", views.display, name="display"),
    path("antrean/<str:token>/", views.ticket_page, name="ticket"),
]

console_patterns: list[URLPattern] = [
    path("antrean/", views.clerk_index, name="counter-index"),
    path("antrean/<str:code>/", views.clerk, name="counter-clerk"),
    path("antrean/<str:code>/lapor/", views.clerk_check_in, name="counter-check-in"),
    path("antrean/<str:code>/loket/<int:counter_id>/panggil/", views.clerk_next, name="counter-next"),
    path("antrean/<str:code>/tiket/<int:ticket_id>/<slug:action>/", views.clerk_act, name="counter-act"),
]
