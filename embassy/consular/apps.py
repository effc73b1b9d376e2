from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsularConfig(AppConfig):
    name = "embassy.consular"
    verbose_name = _("Consular services")
    default_auto_field = "django.db.models.BigAutoField"
