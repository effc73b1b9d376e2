"""The listening pages, under the console (the lead wires `console_patterns` into config/urls.py)."""

from django.urls import URLPattern, path

from embassy.listening import views

console_patterns: list[URLPattern] = [
    path("dengar/", views.stream_list, name="listening-streams"),
    path("dengar/baru/", views.stream_new, name="listening-stream-new"),
    path("dengar/<int:stream_id>/", views.stream_page, name="listening-stream"),
    path("dengar/<int:stream_id>/ubah/", views.stream_edit, name="listening-stream-edit"),
    path("dengar/<int:stream_id>/henti/", views.stream_stop, name="listening-stream-stop"),
    path("dengar/<int:stream_id>/tarik/", views.stream_pull_now, name="listening-stream-pull"),
    path("dengar/krisis/<int:crisis_id>/", views.crisis_panel, name="listening-crisis-panel"),
]
