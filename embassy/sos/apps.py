from django.apps import AppConfig


class SosConfig(AppConfig):
    name = "embassy.sos"
    label = "sos"
    default_auto_field = "django.db.models.BigAutoField"
