"""One pull of one listening stream: search each of its platforms through the social collectors, newest first
and only what is newer than last time, and hand what was heard to `embassy.listening.ingest`.

Whose credentials: a stream reads each platform with the connected account of its own unit on that platform,
else with headquarters' (the ministry's, then the minister's account): the same token, rate limits and budget
as that account's own pulls. X bills each post read, so its searches are charged to the paying unit's monthly
budget (`embassy.social.budget`: the account's unit, headquarters for the ministry's accounts) and recorded as
a `Pull` of that account with source "listening"; with no connected X account a stream does not read X.
Mastodon and Bluesky need no token: Mastodon is read on the account's own instance (else
LISTENING_MASTODON_INSTANCE), with its token where it has one; Bluesky on the public AppView.

The cursor, per platform, in `Stream.cursor[platform]`: {"q": {query: since}, "ok_at", "error", "retry_after",
"rate_limited", "failures", "quota"}. A first search reads one page (what is new from now on matters, not last
week's backlog); later ones read back to `since`, at most LISTENING_MAX_PAGES pages per query (a burst beyond
that is left unread, not read twice). A platform that fails keeps the queries it finished, records its error
and waits (the platform's own retry time for a rate limit, else exponential backoff) while the others go on;
the stream shows each platform's last good search so an old result never looks current.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from embassy.listening.ingest import ingest
from embassy.listening.items import HeardItem
from embassy.listening.models import Heard, Stream
from embassy.missions.models import Mission
from embassy.social.budget import budget_left, month_end
from embassy.social.collectors import (
    AuthRefused,
    CollectorError,
    Context,
    RateLimited,
    Searcher,
    SearchPage,
    collector_for,
    heard_fields,
)
from embassy.social.models import Account, Owner, Pull
from embassy.social.pull import backoff
from embassy.social.services import credentials_of

log = logging.getLogger(__name__)
PLATFORMS = ("x", "mastodon", "bluesky")
RETRY_DELAYS: tuple[float, ...] = (1.0, 4.0)  # seconds before retrying a transient failure within a pull
SINCE_KEPT = dt.timedelta(days=6)  # a query's since is used while its last search is younger than this


def pull_every() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LISTENING_PULL_EVERY_MINUTES)


class BudgetStop(Exception):
    """The paying unit's monthly budget cannot pay for the next page."""


@dataclass
class Outcome:
    """What one platform gave one pull of a stream."""

    platform: str
    items: list[HeardItem] = field(default_factory=list)
    since: dict[str, str] = field(default_factory=dict)  # query → since, for the next pull
    error: str = ""
    wait: float | None = None  # seconds the platform asked to wait
    rate_limited: bool = False
    budget: bool = False
    skipped: bool = False  # waiting after an earlier failure: not read this time
    account: Account | None = None  # whose credentials it read with
    reads: int = 0
    cost: float = 0.0
    quota: dict[str, Any] = field(default_factory=dict)


@dataclass
class StreamPull:
    stream: Stream
    outcomes: list[Outcome]
    items: list[HeardItem]
    result: Any = None  # embassy.listening.ingest.IngestResult

    @property
    def errors(self) -> dict[str, str]:
        return {o.platform: o.error for o in self.outcomes if o.error and not o.skipped}


def credentials_account(*, unit: Mission | None, platform: str) -> Account | None:
    """The account whose credentials a stream of `unit` reads `platform` with: the unit's own connected account
    there, else headquarters' (the ministry's before the minister's). Connected (credentials stored) before
    not, real before demo. X needs a token: an account without one is never chosen for X."""
    accounts = Account.objects.filter(platform=platform, active=True, needs_reconnect=False).exclude(owner=Owner.PEER)
    if platform == "x":
        accounts = accounts.exclude(credentials="")
    ranked = accounts.select_related("unit").annotate(
        rank=Case(When(credentials="", then=Value(1)), default=Value(0), output_field=IntegerField()),
        owner_rank=Case(When(owner=Owner.MINISTRY, then=Value(0)), When(owner=Owner.MINISTER, then=Value(1)),
                        default=Value(2), output_field=IntegerField()),
    ).order_by("rank", "demo", "owner_rank", "pk")
    if unit is not None and unit.kind != Mission.Kind.HQ:
        own = ranked.filter(unit=unit).first()
        if own is not None:
            return own
    return ranked.filter(Q(unit__isnull=True) | Q(unit__kind=Mission.Kind.HQ)).first()


def base_url(platform: str, account: Account | None) -> str:
    """Where the platform's search API is. While the demo's replay server runs (DEBUG), demo accounts and
    accounts with no credentials read it (embassy.listening.replay answers the searches); a real, connected
    account always reads the platform."""
    replay = str(settings.SOCIAL_REPLAY_URL or "")
    if replay and (account is None or account.demo or not account.credentials):
        return replay + ("/xrpc" if platform == "bluesky" else "")
    configured = str(settings.SOCIAL_API_BASE.get(platform, "") or "")
    if platform == "mastodon" and not configured:
        if account is not None and "@" in account.handle:
            return f"https://{account.handle.partition('@')[2]}"
        return str(settings.LISTENING_MASTODON_INSTANCE)
    return configured


def _context(platform: str, account: Account | None, now: dt.datetime, searcher: Searcher) -> Context:
    holder = account or Account(platform=platform, handle="", owner=Owner.MINISTRY)  # unsaved: no credentials
    return Context(account=holder, credentials=credentials_of(account) if account and account.credentials else {},
                   base_url=base_url(platform, account),
                   budget=budget_left(account, now=now) if account is not None and searcher.price_post else None)


def _with_retries(read: Callable[[], SearchPage]) -> SearchPage:
    """A transient failure (5xx, timeout) is tried again after a short wait; rate limits and refused
    credentials are not (they are the platform's answer, not an accident)."""
    for delay in RETRY_DELAYS:
        try:
            return read()
        except (RateLimited, AuthRefused):
            raise
        except CollectorError as exc:
            log.info("listening search retried in %.0f s: %s", delay, exc)
            time.sleep(delay)
    return read()


def _reader(searcher: Searcher, ctx: Context, query: str, since: str | None,
            token: str | None) -> Callable[[], SearchPage]:
    return lambda: searcher.search(ctx, query, since=since, token=token)


def _search(stream: Stream, searcher: Searcher, ctx: Context, out: Outcome, state: dict[str, Any],
            now: dt.datetime) -> None:
    """Read every query of the stream on one platform into `out` (items, and the since of each query read to
    its end or to its page limit). Raises the collector's errors and BudgetStop; what was read before stays."""
    known = dict(state.get("q") or {})
    read_at = state.get("read_at")
    if not read_at or dt.datetime.fromisoformat(str(read_at)) < now - SINCE_KEPT:
        known = {}  # X refuses a since_id older than its 7-day window: start again from the newest page
    pages = int(settings.LISTENING_MAX_PAGES)
    queries = searcher.queries(ctx, list(stream.terms or []))
    out.since = {q: v for q, v in out.since.items() if q in queries}  # a term removed: its cursor goes
    for query in queries:
        since = known.get(query) or None
        token: str | None = None
        newest: str | None = None
        for _page in range(pages if since else 1):
            if not ctx.affords(searcher.search_page_size, searcher.price_post):
                raise BudgetStop
            got = _with_retries(_reader(searcher, ctx, query, since, token))
            ctx.charge(len(got.items), searcher.price_post)
            newest = newest or got.newest
            out.items += [HeardItem(platform=searcher.platform, **heard_fields(i)) for i in got.items]
            token = got.next
            if token is None or not got.items:
                break
        out.since[query] = newest or since or ""


def _read(stream: Stream, platform: str, state: dict[str, Any], now: dt.datetime) -> Outcome:
    out = Outcome(platform=platform, since=dict(state.get("q") or {}))
    searcher = cast("Searcher", collector_for(platform))
    out.account = credentials_account(unit=stream.unit, platform=platform)
    if platform == "x" and out.account is None:
        out.error = "X: no connected X account for this unit or headquarters (connect one on the social-media page)"
        return out
    ctx = _context(platform, out.account, now, searcher)
    try:
        _search(stream, searcher, ctx, out, state, now)
    except BudgetStop:
        out.budget, out.error = True, f"{platform}: the unit's monthly budget for paid reads is spent"
        out.wait = (month_end(now) - now).total_seconds()
    except RateLimited as exc:
        out.rate_limited, out.error, out.wait = True, str(exc), exc.retry_after
    except CollectorError as exc:  # AuthRefused included: the account's page asks for reconnecting
        out.error, out.wait = str(exc), exc.retry_after
    out.reads, out.cost, out.quota = ctx.reads, ctx.cost, dict(ctx.quota)
    return out


def _state_after(state: dict[str, Any], out: Outcome, now: dt.datetime) -> dict[str, Any]:
    """The platform's cursor and health after this pull."""
    new = {**state, "q": out.since, "quota": out.quota or state.get("quota") or {}}
    if out.since != (state.get("q") or {}) or not out.error:
        new["read_at"] = now.isoformat()
    if out.error:
        failures = int(state.get("failures") or 0) + (0 if out.budget else 1)
        wait = max(out.wait or 0.0, backoff(max(failures, 1)))
        new.update(error=out.error[:500], error_at=now.isoformat(), failures=failures,
                   retry_after=(now + dt.timedelta(seconds=wait)).isoformat(),
                   rate_limited=out.rate_limited or out.budget)
    else:
        new.update(error="", failures=0, retry_after=None, rate_limited=False, ok_at=now.isoformat())
    return new


def _waiting(state: dict[str, Any], now: dt.datetime, force: bool) -> bool:
    """Whether the platform is still waiting after a failure. `force` (pull now) skips a backoff, never a rate
    limit or a spent budget."""
    until = state.get("retry_after")
    if not until or dt.datetime.fromisoformat(str(until)) <= now:
        return False
    return not force or bool(state.get("rate_limited"))


def stream_pull(*, stream_id: int, now: dt.datetime | None = None, force: bool = False) -> StreamPull | None:
    """Pull one stream on each of its platforms and store what was heard. None when the stream is inactive."""
    now = now or timezone.now()
    stream = Stream.objects.select_related("unit").get(pk=stream_id)
    if not stream.active:
        return None
    cursor: dict[str, Any] = dict(stream.cursor or {})
    outcomes: list[Outcome] = []
    for platform in [p for p in stream.platforms if p in PLATFORMS]:
        state = dict(cursor.get(platform) or {})
        if _waiting(state, now, force):
            outcomes.append(Outcome(platform=platform, skipped=True, error=str(state.get("error") or "")))
            continue
        out = _read(stream, platform, state, now)
        outcomes.append(out)
        cursor[platform] = _state_after(state, out, now)
        _bill(out, now)
    items = sorted((i for o in outcomes for i in o.items), key=lambda i: i.published_at, reverse=True)
    with transaction.atomic():
        result = ingest(items, now=now) if items else None
        _attribute(stream, items)
        _record(stream, cursor, outcomes, now)
    return StreamPull(stream=stream, outcomes=outcomes, items=items, result=result)


def _attribute(stream: Stream, items: list[HeardItem]) -> None:
    """What the stream's search returned is what the stream heard, whether or not the stored text spells its
    terms word for word (ingest matches terms as phrases; a platform's search also matches hashtags, handles,
    words apart): the stream's id is added to each of these posts."""
    keys: dict[str, set[str]] = {}
    for item in items:
        keys.setdefault(item.platform, set()).add(item.post_id)
    changed = []
    for platform, ids in keys.items():
        for heard in Heard.objects.filter(platform=platform, post_id__in=list(ids)).only("pk", "streams"):
            if stream.pk not in (heard.streams or []):
                heard.streams = sorted([*(heard.streams or []), stream.pk])
                changed.append(heard)
    Heard.objects.bulk_update(changed, ["streams"], batch_size=500)


def _bill(out: Outcome, now: dt.datetime) -> None:
    """A paid platform's reads go on the paying account's pulls, where the unit's monthly budget counts them."""
    if out.account is None or out.account.pk is None or not (out.reads or out.budget or out.cost):
        return
    status = Pull.Status.BUDGET if out.budget else Pull.Status.FAILED if out.error else Pull.Status.OK
    Pull.objects.create(account=out.account, source="listening", started_at=now, finished_at=timezone.now(),
                        status=status, posts=len(out.items), reads=out.reads, cost=Decimal(f"{out.cost:.4f}"),
                        error=out.error[:2000])


def _record(stream: Stream, cursor: dict[str, Any], outcomes: list[Outcome], now: dt.datetime) -> None:
    """The stream's health: its last error (each failing platform's), the earliest retry, the last pull that
    every platform answered."""
    failing = {p: s for p, s in cursor.items() if p in stream.platforms and isinstance(s, dict) and s.get("error")}
    fresh_error = any(o.error and not o.skipped for o in outcomes)
    retries = [dt.datetime.fromisoformat(str(s["retry_after"])) for s in failing.values() if s.get("retry_after")]
    stream.cursor = cursor
    stream.last_pull_at = now
    stream.last_error = "\n".join(str(s["error"]) for s in failing.values())[:2000]
    stream.retry_after = min(retries) if retries else None
    if fresh_error:
        stream.failures += 1
        stream.last_error_at = now
    elif not failing:
        stream.failures = 0
        stream.last_success_at = now
    stream.save(update_fields=["cursor", "last_pull_at", "last_error", "retry_after", "failures", "last_error_at",
                               "last_success_at"])


def due_streams(*, now: dt.datetime) -> list[int]:
    """The active streams not pulled for LISTENING_PULL_EVERY_MINUTES (platforms still waiting are skipped
    inside the pull)."""
    due = Stream.objects.filter(active=True).filter(
        Q(last_pull_at__isnull=True) | Q(last_pull_at__lte=now - pull_every()))
    return list(due.order_by("last_pull_at", "pk").values_list("pk", flat=True))


@dataclass(frozen=True)
class Estimate:
    """What the next pull of a stream may read on a platform that bills reads, at most, before it runs."""

    platform: str
    account: Account | None
    queries: int
    reads: int
    usd: Decimal
    budget_left: Decimal | None


def stream_estimate(stream: Stream, *, now: dt.datetime) -> list[Estimate]:
    """For each paid platform of the stream: its queries, the posts a pull may read at most (one page for a
    query never searched, LISTENING_MAX_PAGES pages otherwise) and their price, and the budget left."""
    found = []
    for platform in [p for p in stream.platforms if p in PLATFORMS]:
        searcher = cast("Searcher", collector_for(platform))
        if not searcher.price_post:
            continue
        account = credentials_account(unit=stream.unit, platform=platform)
        ctx = Context(account=account or Account(platform=platform), credentials={}, base_url="")
        known = dict((stream.cursor or {}).get(platform, {}).get("q") or {})
        queries = searcher.queries(ctx, list(stream.terms or []))
        pages = sum(int(settings.LISTENING_MAX_PAGES) if known.get(q) else 1 for q in queries)
        reads = pages * searcher.search_page_size
        left = Decimal(f"{budget_left(account, now=now):.2f}") if account is not None else None
        found.append(Estimate(platform=platform, account=account, queries=len(queries), reads=reads,
                              usd=Decimal(f"{reads * searcher.price_post:.2f}"), budget_left=left))
    return found
