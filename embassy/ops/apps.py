from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations, above every domain app: serving (serve_all, warm-up, health), scheduling, loading the
    reference data, and the console's home page, which sums up several apps."""

    name = "embassy.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
