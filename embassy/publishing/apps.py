from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "embassy.publishing"
    verbose_name = _("Publishing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Answer the publish calls of demo accounts on the demo's replay server (embassy.social.replay)."""
        from embassy.publishing import replay
        from embassy.social.replay import EXTENSIONS

        if replay.answer not in EXTENSIONS:
            EXTENSIONS.append(replay.answer)
