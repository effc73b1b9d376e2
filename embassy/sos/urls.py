from django.urls import path

from embassy.sos import console, views

app_name = "sos"
urlpatterns = [
    path("sos/", views.panic, name="panic"),
    path("sos/kasus/<int:case_id>/", views.case, name="case"),
    path("sos/kasus/<int:case_id>/status/", views.case_status, name="case-status"),
    path("sos/kasus/<int:case_id>/rincian/", views.case_details, name="case-details"),
    path("sos/kasus/<int:case_id>/pesan/", views.case_message, name="case-message"),
    path("sos/kasus/<int:case_id>/batal/", views.case_cancel, name="case-cancel"),
]

console_patterns = [
    path("sos/", console.queue, name="sos-queue"),
    path("sos/live/", console.queue_live, name="sos-queue-live"),
    path("sos/peta.geojson", console.queue_points, name="sos-points"),
    path("sos/tugas/", console.duty, name="sos-duty"),
    path("sos/<int:case_id>/", console.case_page, name="sos-case"),
    path("sos/<int:case_id>/live/", console.case_live, name="sos-case-live"),
    path("sos/<int:case_id>/lampiran/<int:attachment_id>/", console.case_attachment, name="sos-attachment"),
    path("sos/<int:case_id>/<slug:action>/", console.case_action, name="sos-action"),
]
