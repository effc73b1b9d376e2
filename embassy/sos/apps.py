from django.apps import AppConfig

from embassy.citizens.panels import home_panel_add


class SosConfig(AppConfig):
    name = "embassy.sos"
    label = "sos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: the views load models, which Django allows once apps are ready.
        from embassy.sos import inbound
        from embassy.sos.views import button_context

        home_panel_add(lambda user: {**button_context(user), "sos_enabled": True})  # the button on the home page
        inbound.register()  # an SOS by SMS/WhatsApp (order 20), any other text (order 30): notify.inbox calls them
