from django.urls import URLPattern, path  # noqa: F401

app_name = "notify"
urlpatterns: list[URLPattern] = []

console_patterns: list[URLPattern] = []
