from django.apps import AppConfig


class CrisesConfig(AppConfig):
    name = "embassy.crises"
    label = "crises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from embassy.citizens.signals import whereabouts_changed
        from embassy.crises import asking
        from embassy.notify.hooks import on_delivered

        whereabouts_changed.connect(_whereabouts_changed, dispatch_uid="crises.whereabouts")
        on_delivered(asking.KIND_ASK, asking.rollcall_reached)


def _whereabouts_changed(sender: object, citizen_ids: list[int], **kwargs: object) -> None:
    from embassy.crises.affected import affected_citizens_changed

    affected_citizens_changed(citizen_ids)
