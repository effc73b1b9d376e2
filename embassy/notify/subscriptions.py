"""Writes of browsers' push subscriptions (moved out of notify.services unchanged; notify.services re-exports
them)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.common.errors import BadInput
from embassy.notify import conf
from embassy.notify.models import PushSubscription


def _b64_key(value: str, size: int, *, field: str) -> str:
    value = (value or "").strip()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadInput(_("This push subscription key is not valid."), field=field) from exc
    if len(raw) != size or (size == 65 and raw[0] != 4):
        raise BadInput(_("This push subscription key is not valid."), field=field)
    return value.rstrip("=")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_endpoint(endpoint: str) -> str:
    """Push endpoints are URLs the server will POST to, so only the browsers' push services are accepted
    (NOTIFY_PUSH_HOSTS); loopback is allowed for development and tests."""
    endpoint = (endpoint or "").strip()
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    local = bool(settings.DEBUG or settings.TESTING) and _is_loopback(host)
    if not host or len(endpoint) > 1000 or parts.scheme not in ("https", "http") or parts.username:
        raise BadInput(_("This is not a push subscription endpoint."), field="endpoint")
    if local:
        return endpoint
    allowed = conf.push_hosts()
    if parts.scheme != "https" or not ("*" in allowed or any(host == h or host.endswith("." + h) for h in allowed)):
        raise BadInput(_("This push service is not supported."), field="endpoint")
    return endpoint


@transaction.atomic
def push_subscription_save(*, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Store (or refresh) a browser's push subscription for `user`. An endpoint seen before moves to this
    user and is enabled again. Each user keeps at most NOTIFY_MAX_PUSH_SUBSCRIPTIONS (the oldest go)."""
    endpoint = _check_endpoint(endpoint)
    values = {"user": user, "p256dh": _b64_key(p256dh, 65, field="keys.p256dh"),
              "auth": _b64_key(auth, 16, field="keys.auth"), "user_agent": (user_agent or "")[:300],
              "disabled_at": None}
    sub, _created = PushSubscription.objects.update_or_create(endpoint=endpoint, defaults=values)
    keep = conf.max_push_subscriptions()
    old = list(PushSubscription.objects.filter(user=user).order_by("-created_at", "-id").values_list("id", flat=True)[keep:])
    if old:
        PushSubscription.objects.filter(id__in=old).delete()
    return sub


@transaction.atomic
def push_subscription_delete(*, user: User, endpoint: str) -> None:
    """Forget one of the user's push subscriptions (the browser unsubscribed). Unknown endpoints are
    ignored, so the call can be repeated."""
    PushSubscription.objects.filter(user=user, endpoint=(endpoint or "").strip()).delete()
