from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "embassy.timeline"
    verbose_name = _("Person timeline")
    default_auto_field = "django.db.models.BigAutoField"
