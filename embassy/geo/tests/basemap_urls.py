"""The site's URL map with the basemap's name tiles (the route config/urls.py gets from the integrator), so that
the endpoint tests run whether or not that line is in yet."""

from django.urls import path

from config.urls import urlpatterns as site
from embassy.geo import views

urlpatterns = [path("geo/places/<int:z>/<int:x>/<int:y>.geojson", views.places_tile, name="geo-places"), *site]
