"""One pull of one account: read the platform through its collector, then store everything read in one
transaction, or nothing.

What a pull reads, newest first:
1. the profile (followers, following, posts) as today's statistics;
2. the newest pages, back to SOCIAL_REFRESH_DAYS, so that young posts are snapshotted as their numbers grow;
3. the account's older history, resumed where the last pull stopped (`Account.cursor["backfill"]`), until the
   platform has no older page; at most SOCIAL_MAX_PAGES pages in all, the rest next time;
4. whom the account follows (the peer graph).
A failure stores nothing and shows on the account's health: the last error, and when the next try is due
(the platform's own retry time for a rate limit, else exponential backoff); refused credentials mark the
account for reconnecting and it is not pulled again until a person does.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from embassy.social.budget import budget_left, month_end, units_left, units_spend
from embassy.social.collectors import (
    AuthRefused,
    Collector,
    CollectorError,
    Context,
    Followed,
    MentionItem,
    MentionReader,
    PostItem,
    Profile,
    RateLimited,
    collector_for,
)
from embassy.social.models import Account, Pull
from embassy.social.services import account_tokens_renew, credentials_of
from embassy.social.store import store_day, store_follows, store_mentions, store_posts

log = logging.getLogger(__name__)
BACKOFF_FIRST = 60.0
BACKOFF_MAX = 6 * 3600.0


class BudgetSpent(Exception):
    """The unit's monthly budget for paid reads cannot pay for even the profile."""


def backoff(failures: int) -> float:
    return min(BACKOFF_FIRST * 2 ** max(failures - 1, 0), BACKOFF_MAX)


@dataclass
class Read:
    profile: Profile
    posts: list[PostItem]
    cursor: dict[str, object]
    follows: list[Followed] | None  # None: not read this time (not due, or not to the end)
    stopped_by_budget: bool
    mentions: list[MentionItem]


def _read(ctx: Context, collector: Collector, now: dt.datetime) -> Read:
    if not ctx.affords(1, collector.price_profile):
        raise BudgetSpent
    profile = collector.profile(ctx)
    ctx.charge(1, collector.price_profile)
    if not ctx.account.platform_id:
        ctx.account.platform_id = profile.platform_id
    pages = settings.SOCIAL_MAX_PAGES
    cutoff = now - dt.timedelta(days=settings.SOCIAL_REFRESH_DAYS)
    posts: list[PostItem] = []
    cursor = dict(ctx.account.cursor or {})
    broke = False

    def page(token: str | None) -> tuple[list[PostItem], str | None] | None:
        nonlocal pages, broke
        if pages <= 0 or not ctx.affords(collector.page_size, collector.price_post):
            broke = broke or pages > 0
            return None
        pages -= 1
        items, nxt = collector.timeline(ctx, token)
        ctx.charge(len(items), collector.price_post)
        return items, nxt

    token: str | None = None
    while (got := page(token)) is not None:  # the newest pages, back to the refresh window
        items, token = got
        posts += items
        if token is None or not items or items[-1].published_at < cutoff:
            break
    done = bool(cursor.get("backfill_done")) or (token is None and not broke)
    older = cursor.get("backfill") or token
    while not done and (got := page(str(older))) is not None:  # older history, from where the last pull stopped
        items, older = got
        posts += items
        done = older is None
    mentions, pages, short = _read_mentions(ctx, collector, cutoff, pages)
    broke = broke or short
    follows: list[Followed] | None = None
    due = str(cursor.get("follows_at") or "") < (now - dt.timedelta(days=settings.SOCIAL_FOLLOWS_EVERY_DAYS)).isoformat()
    if due and pages > 0:
        follows, token = [], None
        while True:
            if pages <= 0 or not ctx.affords(collector.follow_page_size, collector.price_follow):
                broke, follows = broke or pages > 0, None  # not read to the end: keep the list as it was
                break
            pages -= 1
            found, token = collector.following(ctx, token)
            follows += found
            ctx.charge(len(found), collector.price_follow)
            if token is None:
                break
    new_cursor = {**cursor, "backfill": None if done else older, "backfill_done": done}
    if follows is not None:
        new_cursor["follows_at"] = now.isoformat()
    return Read(profile, posts, new_cursor, follows, broke, mentions)


def _read_mentions(ctx: Context, collector: Collector, cutoff: dt.datetime,
                   pages: int) -> tuple[list[MentionItem], int, bool]:
    """Who mentioned the account, newest first, back to the refresh window: (mentions, pages left, whether the
    budget cut the reading short). Collectors that cannot read mentions read none."""
    if not hasattr(collector, "mentions"):
        return [], pages, False
    reader = cast("MentionReader", collector)
    found: list[MentionItem] = []
    token: str | None = None
    while pages > 0:
        if not ctx.affords(collector.page_size, collector.price_post):
            return found, pages, True
        pages -= 1
        items, token = reader.mentions(ctx, token)
        ctx.charge(len(items), collector.price_post)
        found += items
        if token is None or not items or items[-1].published_at < cutoff:
            break
    return found, pages, False


def account_pull(*, account_id: int, now: dt.datetime | None = None, force: bool = False) -> Pull | None:
    """Pull one account. Returns None when it is not due: it needs reconnecting, or the platform (or the
    backoff) said to wait and `force` is not set. A rate limit is never overridden, even by `force`."""
    now = now or timezone.now()
    account = Account.objects.select_related("unit").get(pk=account_id)
    if account.needs_reconnect or not account.active:
        return None
    if account.retry_after and account.retry_after > now and (not force or account.quota.get("rate_limited")):
        return None
    collector = collector_for(account.platform)
    ctx = Context(account=account, credentials=credentials_of(account),
                  base_url=_base_url(account), quota=dict(account.quota or {}),
                  budget=budget_left(account, now=now) if collector.price_post else None,
                  units_left=units_left(account.platform, now=now))
    pull = Pull.objects.create(account=account, started_at=now)
    try:
        read = _read(ctx, collector, now)
    except BudgetSpent:
        Account.objects.filter(pk=account.pk).update(retry_after=month_end(now))
        pull.status, pull.finished_at = Pull.Status.BUDGET, timezone.now()
        pull.error = "The unit's monthly budget for paid reads is spent."
        pull.save(update_fields=["status", "finished_at", "error"])
        return pull
    except AuthRefused as exc:
        _failed(account, pull, str(exc), now, reconnect=True, ctx=ctx)
        return pull
    except RateLimited as exc:
        ctx.quota = {**ctx.quota, "rate_limited": True}
        _failed(account, pull, str(exc), now, retry_after=exc.retry_after, ctx=ctx)
        return pull
    except CollectorError as exc:
        _failed(account, pull, str(exc), now, retry_after=exc.retry_after, ctx=ctx)
        return pull
    finally:
        units_spend(account.platform, ctx.units, now=now)  # spent whether the pull succeeded or not
        if ctx.renewed:  # a token the platform renewed is kept even when the pull then failed
            account_tokens_renew(account=account, **ctx.renewed)
    with transaction.atomic():
        stored = store_posts(account, read.posts, now=now)
        store_mentions(account, read.mentions, now=now)
        store_day(account, read.profile, now=now)
        if read.follows is not None:
            store_follows(account, read.follows, now=now)
        Account.objects.filter(pk=account.pk).update(
            platform_id=account.platform_id or read.profile.platform_id, cursor=read.cursor, last_pull_at=now,
            last_success_at=now, last_error="", failures=0, retry_after=None, quota=ctx.quota)
        if read.stopped_by_budget:
            pull.status = Pull.Status.BUDGET
        else:
            pull.status = Pull.Status.OK if read.cursor["backfill_done"] else Pull.Status.MORE
        pull.posts, pull.snapshots, pull.reads, pull.units = stored, stored, ctx.reads, ctx.units
        pull.cost = Decimal(f"{ctx.cost:.4f}")
        pull.finished_at = timezone.now()
        pull.save()
    return pull


def _base_url(account: Account) -> str:
    """Where the platform's API is: for a demo account, the demo's replay server (embassy.social.replay)."""
    if account.demo and settings.SOCIAL_REPLAY_URL and account.platform not in ("mastodon", "bluesky"):
        return str(settings.SOCIAL_REPLAY_URL)
    return str(settings.SOCIAL_API_BASE.get(account.platform, ""))


def _failed(account: Account, pull: Pull, message: str, now: dt.datetime, *, ctx: Context,
            retry_after: float | None = None, reconnect: bool = False) -> None:
    failures = account.failures + 1
    wait = max(retry_after or 0.0, backoff(failures))
    log.warning("social pull failed: %s %s: %s", account.platform, account.handle, message)
    Account.objects.filter(pk=account.pk).update(
        last_pull_at=now, last_error=message[:2000], last_error_at=now, failures=failures,
        retry_after=now + dt.timedelta(seconds=wait), needs_reconnect=reconnect or account.needs_reconnect,
        quota=ctx.quota or account.quota)
    pull.status, pull.error, pull.finished_at = Pull.Status.FAILED, message[:2000], timezone.now()
    pull.reads, pull.units, pull.cost = ctx.reads, ctx.units, Decimal(f"{ctx.cost:.4f}")  # billed even so
    pull.save(update_fields=["status", "error", "finished_at", "reads", "units", "cost"])
