"""The site's URL map with the basemap's tiles (the route config/urls.py gets from the integrator), so that
the endpoint tests run whether or not that line is in yet."""

from django.urls import path

from config.urls import urlpatterns as site
from embassy.geo import views

urlpatterns = [path("geo/<slug:layer>/<int:z>/<int:x>/<int:y>.geojson", views.tile, name="geo-tile"), *site]
