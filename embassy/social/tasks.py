"""Background pulls: the scheduler queues the accounts that are due; each pull is a task of its own."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from embassy.common.tasking import task
from embassy.common.tasks import periodic
from embassy.social.aggregates import refresh_stale
from embassy.social.models import Account
from embassy.social.pull import account_pull
from embassy.social.reports import PERIODS
from embassy.social.services import report_notify

FREE_TO_READ = ("mastodon", "bluesky")  # public APIs that need no credentials


@task(queue_name="default", priority=-10)
def pull_account(account_id: int, force: bool = False) -> str:
    pull = account_pull(account_id=account_id, force=force)
    return "not due" if pull is None else f"{pull.status}: {pull.posts} posts"


@periodic(dt.timedelta(minutes=15))
@task(queue_name="default")
def pull_due() -> str:
    """Queue a pull for every account not pulled for SOCIAL_PULL_EVERY_HOURS (when SOCIAL_PULLS_ENABLED)."""
    if not settings.SOCIAL_PULLS_ENABLED:
        return "disabled"
    now = timezone.now()
    due = (Account.objects.filter(active=True, demo=False, needs_reconnect=False)
           .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
           .filter(Q(last_pull_at__isnull=True) | Q(last_pull_at__lte=now - dt.timedelta(hours=settings.SOCIAL_PULL_EVERY_HOURS)))
           .filter(Q(platform__in=FREE_TO_READ) | ~Q(credentials="")))
    ids = list(due.values_list("pk", flat=True))
    for account_id in ids:
        pull_account.enqueue(account_id)
    return f"{len(ids)} pulls queued"


@periodic(dt.timedelta(hours=1))
@task(queue_name="default")
def reports_send() -> str:
    """After a week (on Monday) and a month (on the 1st), e-mail the report of the period that ended: the
    ministry's to the digital-diplomacy team, each mission's to its social-media officers and its head. The
    dedupe key makes each report go out once, however often this runs."""
    today = timezone.now().astimezone(dt.UTC).date()
    sent = 0
    for period in PERIODS:
        if (period == "week" and today.weekday() != 0) or (period == "month" and today.day != 1):
            continue
        sent += report_notify(period=period, today=today)
    return f"{sent} report e-mails queued"


@periodic(dt.timedelta(minutes=5))
@task(queue_name="default")
def stale_days_sweep() -> str:
    """The safety net of the kicked rebuild (aggregates.stale_days_refresh): days still marked stale."""
    return f"{refresh_stale()} daily rows rebuilt"
