"""Reads of the outbox. The message log (who was told what, and whether it arrived) is for headquarters
administrators and protection analysts only; every read of it is audited and addresses are masked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.models import Role
from embassy.missions.selectors import scope_for
from embassy.notify.models import CHANNELS, DeliveryAttempt, Message, PushSubscription

LOG_ROLES = frozenset({Role.ADMINISTRATOR, Role.PROTECTION_ANALYST})


def can_read_log(user: User | AnonymousUser | None) -> bool:
    scope = scope_for(user)
    return scope.is_hq and bool(scope.roles & LOG_ROLES)


def require_log_access(user: User) -> None:
    if not can_read_log(user):
        raise PermissionDenied(_("Only headquarters administrators and analysts can see the notification log."))


def mask_address(channel: str, address: str) -> str:
    """Enough to tell addresses apart, not enough to contact anyone."""
    if channel == "push":
        return f"#{address}"
    if channel == "email" and "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if channel in ("sms", "whatsapp"):
        return address[:3] + "*" * max(0, len(address) - 5) + address[-2:] if len(address) > 5 else "***"
    if channel == "webhook":
        parts = urlsplit(address)
        return f"{parts.scheme}://{parts.hostname or ''}/…"
    if address.startswith("user:"):
        return address
    return address[:2] + "***"


def _check_filters(status: str, channel: str) -> None:
    if status and status not in Message.Status.values:
        raise BadInput(_("Unknown status."), field="status")
    if channel and channel not in CHANNELS:
        raise BadInput(_("Unknown notification channel."), field="channel")


def _log_queryset(user: User, status: str, channel: str) -> QuerySet[Message]:
    """The outbox filtered for the log, after the access and filter checks both log reads share."""
    require_log_access(user)
    _check_filters(status, channel)
    qs = Message.objects.all()
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def message_log_for(*, user: User, status: str = "", channel: str = "", limit: int = 100) -> list[Message]:
    """The most recent messages (newest first) with their delivery attempts, each with `masked_address`.
    Headquarters administrators and analysts only; audited."""
    qs = _log_queryset(user, status, channel)
    attempts = Prefetch("delivery_attempts", queryset=DeliveryAttempt.objects.order_by("at", "id"))
    messages = list(qs.order_by("-id").prefetch_related(attempts)[: max(1, min(limit, 500))])
    for m in messages:
        m.masked_address = mask_address(m.channel, m.address)  # type: ignore[attr-defined]  # set for the template; not a field
    audit_record(actor=user, action="notify.log", object_type="notify.message",
                 detail={"status": status, "channel": channel, "count": len(messages)})
    return messages


def message_list_for(*, user: User, status: str = "", channel: str = "") -> QuerySet[Message]:
    """The message log as a queryset (newest first) for paginated API reads; audited like message_log_for."""
    qs = _log_queryset(user, status, channel)
    audit_record(actor=user, action="notify.log", object_type="notify.message",
                 detail={"status": status, "channel": channel, "api": True})
    return qs.order_by("-id")


def outbox_counts_for(*, user: User) -> dict[str, Any]:
    """Messages per channel and status: {"statuses": [...], "rows": [(channel, [n per status])],
    "totals": [n per status]}. Headquarters only."""
    require_log_access(user)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in Message.objects.values("channel", "status").annotate(n=Count("id")).order_by():
        counts[row["channel"]][row["status"]] = row["n"]
    statuses = list(Message.Status.values)
    rows = [(c, [counts[c].get(s, 0) for s in statuses]) for c in CHANNELS if c in counts]
    totals = [sum(counts[c].get(s, 0) for c in counts) for s in statuses]
    return {"statuses": list(Message.Status.choices), "rows": rows, "totals": totals}


def addresses_for_users(*, user_ids: Iterable[int], channels: Sequence[str] = ("push", "email")) -> dict[int, list[tuple[str, str]]]:
    """(channel, address) pairs on which each user is reachable, for building notify_bulk batches: active
    push subscriptions, e-mail, and phone for sms/whatsapp (whether a provider is configured is checked by
    notify_bulk). Two queries, however many users."""
    ids = list(user_ids)
    out: dict[int, list[tuple[str, str]]] = {uid: [] for uid in ids}
    if "push" in channels:
        for uid, sid in PushSubscription.objects.filter(user_id__in=ids, disabled_at__isnull=True).order_by("id").values_list("user_id", "id"):
            out[uid].append(("push", str(sid)))
    wanted = [c for c in channels if c in ("email", "sms", "whatsapp")]
    if wanted:
        for uid, email, phone in User.objects.filter(id__in=ids, is_active=True).values_list("id", "email", "phone"):
            for c in wanted:
                value = email if c == "email" else phone
                if value:
                    out[uid].append((c, value))
    return out
