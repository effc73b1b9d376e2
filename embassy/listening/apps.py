from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "embassy.listening"
    verbose_name = _("Social listening")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The demo's replay server answers the platforms' searches too (embassy.listening.replay)."""
        from embassy.listening.replay import searches
        from embassy.social.replay import EXTENSIONS

        if searches not in EXTENSIONS:
            EXTENSIONS.append(searches)
