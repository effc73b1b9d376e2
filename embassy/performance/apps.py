from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "embassy.performance"
    verbose_name = _("Performance and satisfaction")
    default_auto_field = "django.db.models.BigAutoField"
