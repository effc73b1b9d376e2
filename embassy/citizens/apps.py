from typing import Any

from django.apps import AppConfig

from embassy.accounts.signals import citizen_user_verified


class CitizensConfig(AppConfig):
    name = "embassy.citizens"
    label = "citizens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: the services load models, which Django allows once apps are ready.
        from embassy.citizens.services import citizen_ensure_for_user

        def ensure_profile(sender: object, user: Any, **kwargs: object) -> None:
            citizen_ensure_for_user(user=user)

        # every citizen who signs in has a citizen profile (accounts, below citizens, only announces it)
        citizen_user_verified.connect(ensure_profile, weak=False, dispatch_uid="citizens.ensure_profile")
