from django.urls import path

from embassy.crises import console, shortlinks, views
from embassy.crises.report.urls import public_patterns

app_name = "crises"
urlpatterns = [
    path("aman/<int:crisis_id>/<str:token>/", views.answer_link, name="answer"),
    path("aman/<int:crisis_id>/<str:token>/selamat/", views.answer_link, {"choice": "selamat"}, name="answer-safe"),
    path("aman/<int:crisis_id>/<str:token>/bantuan/", views.answer_link, {"choice": "bantuan"}, name="answer-help"),
    path("krisis/<int:crisis_id>/jawab/", views.answer_own, name="answer-own"),
    path("a/<str:code>", shortlinks.answer_short, name="answer-short"),  # the SMS link (crises.shortlinks)
    *public_patterns,  # the public CAP documents (crises:crisis-cap-public)
]

console_patterns: list = [
    path("krisis/", console.crisis_list, name="crises"),
    path("krisis/baru/", console.crisis_new, name="crisis-new"),
    path("krisis/<int:crisis_id>/", console.crisis_room, name="crisis"),
    path("krisis/<int:crisis_id>/live/", console.crisis_live, name="crisis-live"),
    path("krisis/<int:crisis_id>/peta.geojson", console.crisis_map, name="crisis-map"),
    path("krisis/<int:crisis_id>/orang/", console.crisis_people, name="crisis-people"),
    path("krisis/<int:crisis_id>/orang/<int:affected_id>/jawab/", console.crisis_answer, name="crisis-answer"),
    path("krisis/<int:crisis_id>/konfirmasi/", console.crisis_confirm, name="crisis-confirm"),
    path("krisis/<int:crisis_id>/tutup/", console.crisis_dismiss, name="crisis-dismiss"),
    path("krisis/<int:crisis_id>/panggil/", console.crisis_rollcall, name="crisis-rollcall"),
    path("krisis/<int:crisis_id>/catatan/", console.crisis_note, name="crisis-note"),
    path("krisis/<int:crisis_id>/zona/", console.crisis_zone, name="crisis-zone"),
]
