from django.urls import URLPattern, path

from embassy.timeline import views

app_name = "timeline"

# Console pages (under /konsol/, namespace "console") and public pages (namespace "timeline", at the site root).
console_patterns: list[URLPattern] = [
    path("warga/<int:citizen_id>/riwayat/", views.console_timeline, name="timeline-citizen"),
    path("warga/<int:citizen_id>/riwayat/catatan/", views.console_note_add, name="timeline-note"),
]

urlpatterns: list[URLPattern] = [
    path("saya/riwayat/", views.my_timeline, name="mine"),
]
