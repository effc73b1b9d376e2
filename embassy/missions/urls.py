from django.urls import path

from embassy.missions import views

app_name = "missions"
urlpatterns = [path("perwakilan/", views.directory, name="directory")]
