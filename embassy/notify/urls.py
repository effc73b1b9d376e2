from django.urls import URLPattern, path

from embassy.notify import views, webhooks

app_name = "notify"
urlpatterns: list[URLPattern] = [
    path("hooks/push-shown/", webhooks.push_shown, name="push-shown"),
    path("hooks/notify/<slug:key>/", webhooks.provider_hook, name="provider-hook"),
    path("hooks/notify/<slug:key>/<slug:part>/", webhooks.provider_hook, name="provider-hook-part"),
]

console_patterns: list[URLPattern] = [
    path("notify/", views.notify_log, name="notify-log"),
    path("notify/<int:message_id>/retry/", views.notify_retry, name="notify-retry"),
]
