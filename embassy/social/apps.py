from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "embassy.social"
    verbose_name = _("Social media")
    default_auto_field = "django.db.models.BigAutoField"
