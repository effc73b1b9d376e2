from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "embassy.listening"
    verbose_name = _("Social listening")
    default_auto_field = "django.db.models.BigAutoField"
