from django.urls import URLPattern, path

from embassy.advisories import console, views

app_name = "advisories"
urlpatterns: list[URLPattern] = [
    path("informasi-negara/", views.country_index, name="index"),
    path("informasi-negara/feed.atom", views.feed_all, name="feed"),
    path("informasi-negara/cap.atom", views.cap_index, name="cap-index"),
    path("informasi-negara/<str:code>/", views.country_page, name="country"),
    path("informasi-negara/<str:code>/ikuti/", views.follow_button, name="follow"),
    path("informasi-negara/<str:code>/feed.atom", views.feed_country, name="country-feed"),
    path("informasi-negara/<str:code>/cap/<int:version_id>.xml", views.cap_document, name="cap"),
]

console_patterns: list[URLPattern] = [
    path("advisories/", console.advisory_list, name="advisories"),
    path("advisories/<str:code>/", console.advisory_history, name="advisory-history"),
    path("advisories/<str:code>/draft/", console.draft_create, name="advisory-draft"),
    path("advisories/versions/<int:version_id>/", console.version_page, name="advisory-version"),
    path("advisories/versions/<int:version_id>/submit/", console.version_submit, name="advisory-submit"),
    path("advisories/versions/<int:version_id>/publish/", console.version_publish, name="advisory-publish"),
    path("advisories/versions/<int:version_id>/reject/", console.version_reject, name="advisory-reject"),
    path("advisories/versions/<int:version_id>/diff/", console.version_compare, name="advisory-diff"),
]
