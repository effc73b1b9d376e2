from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilyEnquiriesConfig(AppConfig):
    name = "embassy.enquiries"
    verbose_name = _("Families' enquiries")
    default_auto_field = "django.db.models.BigAutoField"
