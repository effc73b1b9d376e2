from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CounterConfig(AppConfig):
    name = "embassy.counter"
    verbose_name = _("Queue at the counter")
    default_auto_field = "django.db.models.BigAutoField"
