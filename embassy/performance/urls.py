from django.urls import URLPattern, path

from embassy.performance import views

app_name = "performance"
# Console pages (under /konsol/, namespace "console") and public pages (namespace "performance", at the root).
console_patterns: list[URLPattern] = [
    path("kinerja/", views.console_league, name="performance-league"),
    path("kinerja/biaya/", views.console_cost, name="performance-cost"),
]

urlpatterns: list[URLPattern] = [
    path("kinerja/", views.league_page, name="league"),
    path("kinerja/<str:code>/", views.mission_page, name="mission"),
    path("survei/<str:code>/", views.survey_page, name="survey"),
]
