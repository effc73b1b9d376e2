from django.urls import path

from embassy.crises import views

app_name = "crises"
urlpatterns = [
    path("aman/<int:crisis_id>/<str:token>/", views.answer_link, name="answer"),
    path("aman/<int:crisis_id>/<str:token>/selamat/", views.answer_link, {"choice": "selamat"}, name="answer-safe"),
    path("aman/<int:crisis_id>/<str:token>/bantuan/", views.answer_link, {"choice": "bantuan"}, name="answer-help"),
    path("krisis/<int:crisis_id>/jawab/", views.answer_own, name="answer-own"),
]

console_patterns: list = []
