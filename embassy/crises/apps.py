from django.apps import AppConfig


class CrisesConfig(AppConfig):
    name = "embassy.crises"
    label = "crises"
    default_auto_field = "django.db.models.BigAutoField"
