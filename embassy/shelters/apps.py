from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheltersConfig(AppConfig):
    name = "embassy.shelters"
    verbose_name = _("Shelters and repatriation")
    default_auto_field = "django.db.models.BigAutoField"
