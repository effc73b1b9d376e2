from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "embassy.missions"
    label = "missions"
    default_auto_field = "django.db.models.BigAutoField"
