from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "embassy.performance"
    verbose_name = _("Performance and satisfaction")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which Django allows once apps are ready.
        from embassy.complaints.models import Complaint
        from embassy.complaints.signals import complaint_closed
        from embassy.performance.surveys import complaint_survey

        def closed(sender: object, complaint: Complaint, **kwargs: object) -> None:
            """complaints (below) announces a closed complaint; its survey is sent from here."""
            complaint_survey(complaint=complaint)

        complaint_closed.connect(closed, dispatch_uid="performance.complaint_closed", weak=False)
