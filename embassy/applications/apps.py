from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "embassy.applications"
    verbose_name = _("Consular applications")
    default_auto_field = "django.db.models.BigAutoField"
