from django.urls import URLPattern, path

from embassy.consular import views

app_name = "consular"
urlpatterns: list[URLPattern] = [
    path("layanan/", views.catalogue_index, name="index"),
    path("perwakilan/<str:code>/layanan/", views.mission_services, name="mission"),
    path("perwakilan/<str:code>/layanan/<slug:service>/", views.service_page, name="service"),
]

console_patterns: list[URLPattern] = [
    path("layanan/", views.terms_index, name="consular-terms-index"),
    path("layanan/<str:code>/", views.terms_page, name="consular-terms"),
    path("layanan/<str:code>/jam/", views.hours_save, name="consular-hours"),
    path("layanan/<str:code>/loket/", views.counter_add, name="consular-counter"),
    path("layanan/<str:code>/<int:service_id>/", views.terms_save, name="consular-terms-save"),
]
