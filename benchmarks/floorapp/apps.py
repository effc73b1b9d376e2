from django.apps import AppConfig


class FloorAppConfig(AppConfig):
    name = "benchmarks.floorapp"
    label = "floorapp"
    default_auto_field = "django.db.models.BigAutoField"
