from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "embassy.credentials"
    verbose_name = _("Signed documents")
    default_auto_field = "django.db.models.BigAutoField"
