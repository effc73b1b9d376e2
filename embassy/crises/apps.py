from django.apps import AppConfig

from embassy.citizens.panels import home_panel_add
from embassy.citizens.signals import whereabouts_changed
from embassy.notify.hooks import on_fallback, on_receipt


class CrisesConfig(AppConfig):
    name = "embassy.crises"
    label = "crises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which Django allows once apps are ready.
        from embassy.crises import asking, inbound
        from embassy.crises.affected import affected_citizens_changed
        from embassy.crises.selectors import own_rollcalls

        def whereabouts(sender: object, citizen_ids: list[int], **kwargs: object) -> None:
            affected_citizens_changed(citizen_ids)

        whereabouts_changed.connect(whereabouts, weak=False, dispatch_uid="crises.whereabouts")
        # Reached = the provider's receipt says delivered (or read); the person's own question only: a contact's
        # message reaching the contact says nothing of the person.
        on_receipt(asking.KIND_ASK, asking.rollcall_delivered)
        # A question not delivered goes on the next channel (push → WhatsApp → SMS) unless the person answered.
        on_fallback(asking.KIND_ASK, asking.rollcall_still_asking)
        inbound.register()  # replies to the roll-call by SMS/WhatsApp (notify.inbox, order 10)
        # On the citizen's home page: the "are you safe?" question, as in the message.
        home_panel_add(lambda user: {"rollcalls": own_rollcalls(user=user)})
