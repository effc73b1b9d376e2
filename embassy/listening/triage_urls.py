"""Console URLs of the distress triage queue; the lead adds `console_patterns` to config/urls.py's console list
(names start with "listening-triage")."""

from django.urls import path

from embassy.listening import triage_views

console_patterns = [
    path("triase/", triage_views.queue, name="listening-triage"),
    path("triase/live/", triage_views.queue_live, name="listening-triage-live"),
    path("triase/<int:triage_id>/", triage_views.post, name="listening-triage-post"),
    path("triase/<int:triage_id>/kasus/", triage_views.open_case, name="listening-triage-case"),
    path("triase/<int:triage_id>/bukan-kasus/", triage_views.dismiss, name="listening-triage-dismiss"),
    path("triase/<int:triage_id>/balas/", triage_views.reply, name="listening-triage-reply"),
]
