from django.urls import URLPattern, path

from embassy.publishing import views

console_patterns: list[URLPattern] = [
    path("terbit/", views.calendar_page, name="publishing-calendar"),
    path("terbit/tulis/", views.compose, name="publishing-compose"),
    path("terbit/arsip.csv", views.archive_export, name="publishing-archive"),
    path("terbit/<int:draft_id>/", views.draft_page, name="publishing-draft"),
    path("terbit/<int:draft_id>/<slug:action>/", views.draft_act, name="publishing-act"),
]
