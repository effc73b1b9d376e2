from django.urls import URLPattern, path  # noqa: F401

# Console pages (under /konsol/, namespace "console") and public pages (namespace-free, at the site root).
console_patterns: list[URLPattern] = []

urlpatterns: list[URLPattern] = []
