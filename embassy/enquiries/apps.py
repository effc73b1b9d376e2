from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from embassy.citizens.signals import whereabouts_changed


class FamilyEnquiriesConfig(AppConfig):
    name = "embassy.enquiries"
    verbose_name = _("Families' enquiries")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: services load models, which Django allows once apps are ready.
        from embassy.enquiries.services import enquiries_rematch

        def whereabouts(sender: object, citizen_ids: list[int], **kwargs: object) -> None:
            # A person who registers a stay may be someone a family is looking for.
            enquiries_rematch(citizen_ids=citizen_ids)

        whereabouts_changed.connect(whereabouts, weak=False, dispatch_uid="enquiries.whereabouts")
