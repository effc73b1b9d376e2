from django.apps import AppConfig


class CrisesConfig(AppConfig):
    name = "embassy.crises"
    label = "crises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from embassy.citizens.panels import home_panel_add
        from embassy.citizens.signals import whereabouts_changed
        from embassy.crises import rollcall
        from embassy.crises.selectors import own_rollcalls
        from embassy.notify.hooks import on_delivered

        whereabouts_changed.connect(_whereabouts_changed, dispatch_uid="crises.whereabouts")
        on_delivered(rollcall.KIND_ASK, rollcall.rollcall_reached)
        # On the citizen's home page: the "are you safe?" question, as in the message.
        home_panel_add(lambda user: {"rollcalls": own_rollcalls(user=user)})


def _whereabouts_changed(sender: object, citizen_ids: list[int], **kwargs: object) -> None:
    from embassy.crises.affected import affected_citizens_changed

    affected_citizens_changed(citizen_ids)
