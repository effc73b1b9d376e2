from django.apps import AppConfig
from django.core import checks

from embassy.notify.checks import check_sms_settings


class NotifyConfig(AppConfig):
    name = "embassy.notify"
    label = "notify"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_sms_settings)
        # Imported here: it loads the models and services (the fallback job registers with the scheduler).
        from embassy.notify import fallback  # noqa: F401
