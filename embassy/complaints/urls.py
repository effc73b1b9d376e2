from django.urls import URLPattern, path

from embassy.complaints import console, views

app_name = "complaints"

# Public and citizen pages (namespace "complaints", at the site root).
urlpatterns: list[URLPattern] = [
    path("pengaduan/", views.my_complaints, name="list"),
    path("pengaduan/baru/", views.file_own, name="new"),
    path("pengaduan/untuk-orang-lain/", views.file_for_other, name="for-other"),
    path("pengaduan/<str:number>/", views.detail, name="detail"),
]

# Console pages (under /konsol/, namespace "console").
console_patterns: list[URLPattern] = [
    path("pengaduan/", console.complaint_list, name="complaints"),
    path("pengaduan/baru/", console.complaint_new, name="complaints-new"),
    path("pengaduan/<str:number>/", console.complaint_detail, name="complaints-detail"),
    path("pengaduan/<str:number>/<slug:action>/", console.complaint_action, name="complaints-action"),
]
