from django.apps import AppConfig
from django.core import checks

from embassy.notify.checks import check_sms_settings


class NotifyConfig(AppConfig):
    name = "embassy.notify"
    label = "notify"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_sms_settings)
        # Imported here: they load the models (the fallback and inbound jobs register with the scheduler; routing
        # connects the signals that drop its cache of provider accounts).
        from embassy.notify import fallback, inbound, routing  # noqa: F401
