"""Web Push subscriptions for every signed-in user, the VAPID key for anyone, and the message log for
headquarters administrators and analysts."""


from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from embassy.accounts.auth import AUTH
from embassy.accounts.http import AuthedRequest
from embassy.common.api import error_body
from embassy.common.errors import PermissionDenied
from embassy.notify import selectors, services, vapid
from embassy.notify.schemas import (
    MessageOut,
    PushEndpointIn,
    PushSubscriptionIn,
    PushSubscriptionOut,
    VapidKeyOut,
)

router = Router(auth=AUTH)


def _require_verified(request: HttpRequest) -> None:
    """Staff receive SOS alerts on their devices: only after the second factor."""
    user = request.user
    if getattr(user, "kind", "") == "staff" and not getattr(user, "is_verified", lambda: False)():
        raise PermissionDenied(_("Confirm your second factor first."))


@router.get("/vapid-public-key", auth=None, response={200: VapidKeyOut, 503: dict},
            summary="The application server key for pushManager.subscribe")
def vapid_public_key(request: HttpRequest) -> Status | VapidKeyOut:
    key = vapid.public_key()
    if not key:
        return Status(503, error_body("Web Push is not configured on this server", code="unavailable"))
    return VapidKeyOut(public_key=key)


@router.post("/push-subscriptions", response={201: PushSubscriptionOut}, summary="Subscribe this browser to push")
def push_subscribe(request: AuthedRequest, payload: PushSubscriptionIn) -> Status:
    _require_verified(request)
    sub = services.push_subscription_save(
        user=request.user, endpoint=payload.endpoint, p256dh=payload.keys.p256dh, auth=payload.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(201, sub)


@router.delete("/push-subscriptions", response={204: None}, summary="Unsubscribe this browser")
def push_unsubscribe(request: AuthedRequest, payload: PushEndpointIn) -> Status:
    services.push_subscription_delete(user=request.user, endpoint=payload.endpoint)
    return Status(204, None)


@router.get("/messages", response=list[MessageOut],
            summary="Headquarters: recent notifications with delivery status (addresses masked, audited)")
@paginate(LimitOffsetPagination)
def messages(request: AuthedRequest, status: str = "", channel: str = "") -> object:
    return selectors.message_list_for(user=request.user, status=status, channel=channel)
