from django.urls import URLPattern, path

from embassy.notify import views

app_name = "notify"
urlpatterns: list[URLPattern] = []

console_patterns: list[URLPattern] = [
    path("notify/", views.notify_log, name="notify-log"),
    path("notify/<int:message_id>/retry/", views.notify_retry, name="notify-retry"),
]
