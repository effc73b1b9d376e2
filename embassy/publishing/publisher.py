"""Posting a due target, loudly: a target is "scheduled" only until it is tried; then it is published, retrying
(attempts, last error and next try shown) or failed (the platform refused it, or the tries ran out) with a
notice to its drafter through the outbox. A target is claimed before the platform is called, so two workers
never post it twice; a try whose outcome is unknown (a timeout) first asks the platform (clients.FIND)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.common.links import absolute, url_path
from embassy.notify.services import notify_user
from embassy.publishing import clients
from embassy.publishing.models import ArchiveEntry, Draft, Target
from embassy.publishing.services import archive_add
from embassy.social.services import credentials_of

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF_FIRST = 60.0  # seconds: 1, 2, 4, 8, 16 minutes between tries
BACKOFF_MAX = 3600.0
STUCK = dt.timedelta(minutes=10)  # a "publishing" claim older than this was a worker that died: uncertain


def backoff(attempts: int) -> float:
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def due(now: dt.datetime) -> list[int]:
    """Targets to try now: approved and due, retries whose time came, and claims a dead worker left."""
    found = Target.objects.filter(draft__status=Draft.Status.APPROVED).filter(
        Q(status=Target.Status.SCHEDULED, scheduled_at__lte=now)
        | Q(status=Target.Status.RETRYING, next_try_at__lte=now)
        | Q(status=Target.Status.PUBLISHING, last_attempt_at__lte=now - STUCK))
    return list(found.values_list("pk", flat=True))


def _claim(target_id: int, now: dt.datetime) -> Target | None:
    with transaction.atomic():
        target = Target.objects.select_for_update().select_related("account", "draft").filter(pk=target_id).first()
        if target is None or target.draft.status != Draft.Status.APPROVED:
            return None
        if target.status == Target.Status.PUBLISHING:
            if target.last_attempt_at and target.last_attempt_at > now - STUCK:
                return None
            target.uncertain = True  # the worker that claimed it died: the post may be out
        elif not ((target.status == Target.Status.SCHEDULED and target.scheduled_at <= now)
                  or (target.status == Target.Status.RETRYING and (target.next_try_at or now) <= now)):
            return None
        if target.draft.embargo_until and now < target.draft.embargo_until:
            return None  # never before the embargo, whatever the schedule says
        target.status, target.last_attempt_at = Target.Status.PUBLISHING, now
        target.attempts += 1
        target.save(update_fields=["status", "last_attempt_at", "attempts", "uncertain"])
        return target


def _post_of(target: Target) -> clients.Post:
    images = []
    for media in target.draft.media.all():
        with media.file.open("rb") as handle:
            data = handle.read()
        images.append(clients.Image(data=data, content_type=media.content_type, alt_text=media.alt_text,
                                    url=absolute(media.file.url)))
    return clients.Post(text=target.draft.text, images=images, in_reply_to=target.draft.in_reply_to,
                        key=target.idempotency_key, state=dict(target.platform_state or {}))


def publish_target(target_id: int, *, now: dt.datetime | None = None) -> Target | None:
    """Try one target once. Returns it as it ends, or None when it was not due or another worker has it."""
    now = now or timezone.now()
    target = _claim(target_id, now)
    if target is None:
        return None
    account = target.account
    post = _post_of(target)
    credentials = credentials_of(account)
    since = target.scheduled_at
    try:
        found = None
        if target.uncertain and account.platform in clients.FIND:
            found = clients.FIND[account.platform](account, credentials, post, since)
        published = found or clients.PUBLISH[account.platform](account, credentials, post)
    except clients.Refused as exc:
        return _failed(target, post, str(exc), now, final=True)
    except clients.Retry as exc:
        return _failed(target, post, str(exc), now, final=target.attempts >= MAX_ATTEMPTS,
                       retry_after=exc.retry_after, uncertain=exc.uncertain)
    except Exception as exc:
        log.exception("publishing: target %s", target.pk)
        return _failed(target, post, f"{type(exc).__name__}: {exc}", now, final=target.attempts >= MAX_ATTEMPTS)
    with transaction.atomic():
        target.status, target.platform_post_id, target.url = Target.Status.PUBLISHED, published.post_id, published.url
        target.published_at, target.last_error, target.next_try_at, target.uncertain = now, "", None, False
        target.platform_state = post.state
        target.save()
        archive_add(target=target, event=ArchiveEntry.Event.PUBLISHED, text=post.text, at=now)
    return target


def _failed(target: Target, post: clients.Post, message: str, now: dt.datetime, *, final: bool,
            retry_after: float | None = None, uncertain: bool = False) -> Target:
    log.warning("publishing failed: target %s on %s: %s", target.pk, target.account, message)
    with transaction.atomic():
        target.last_error = message[:2000]
        target.platform_state = post.state
        target.uncertain = target.uncertain or uncertain
        if final:
            target.status, target.next_try_at = Target.Status.FAILED, None
        else:
            target.status = Target.Status.RETRYING
            target.next_try_at = now + dt.timedelta(seconds=max(retry_after or 0.0, backoff(target.attempts)))
        target.save(update_fields=["last_error", "platform_state", "uncertain", "status", "next_try_at"])
        if final:
            _tell_drafter(target, message)
    return target


def _tell_drafter(target: Target, message: str) -> None:
    drafter = target.draft.created_by
    with translation.override(getattr(drafter, "language", "") or "id"):
        subject = _("Not published on %(account)s") % {"account": str(target.account)}
        body = _("The platform refused the post or every try failed. It was NOT published. Error: %(error)s") % {
            "error": message[:500]}
    try:
        url = absolute(url_path("console:publishing-draft", target.draft_id))
    except NoReverseMatch:  # the console's pages are not wired in (a worker without them)
        url = ""
    notify_user(user=drafter, subject=subject, body=body, channels=("email", "push"), kind="publishing.failed",
                url=url,
                dedupe_key=f"publishing-failed:{target.pk}:{target.attempts}",
                mission_id=target.account.unit_id)
