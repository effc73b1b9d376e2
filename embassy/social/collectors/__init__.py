"""One collector per platform behind one interface. A collector only reads the platform and translates what
it read; `embassy.social.pull` decides what is stored, in one transaction per pull, and keeps the cursor,
the health and the backoff. A collector raises one of the errors below and never returns half a page.

Pages are read newest first: `timeline(token=None)` is the newest page, and each page gives the token of the
next (older) one, or None at the end.

Collectors of platforms with a search API (X, Mastodon, Bluesky) are also `Searcher`s: listening's streams
(embassy.listening.collect) read other people's public posts through them, a page of `SearchItem`s at a time,
with the same Context (credentials, quota, budget) and the same errors.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from embassy.social.models import Account

TERM_PART = re.compile(r'"([^"]*)"|([^\s"]+)')


class CollectorError(Exception):
    """The platform could not be read this time (5xx, timeout, malformed answer): retried with backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(CollectorError):
    """The platform's quota is spent until `retry_after` seconds from now."""


class AuthRefused(CollectorError):
    """The platform refused the credentials: a person must reconnect the account."""


@dataclass(frozen=True)
class PostItem:
    post_id: str
    published_at: dt.datetime
    kind: str = "text"  # Post.Kind
    is_reply: bool = False
    is_repost: bool = False
    in_reply_to: str = ""  # the id of the post this one answers, where the platform says
    text: str = ""
    url: str = ""
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    reach: int | None = None
    saves: int | None = None


@dataclass(frozen=True)
class MentionItem:
    """Someone else's post naming the account."""

    post_id: str
    published_at: dt.datetime
    author_id: str = ""
    author_handle: str = ""
    text: str = ""
    url: str = ""


@dataclass(frozen=True)
class Profile:
    platform_id: str
    followers: int | None = None
    following: int | None = None
    posts: int | None = None


@dataclass(frozen=True)
class Followed:
    target_id: str
    target_handle: str = ""


@dataclass
class Context:
    """What a collector gets for one pull: the account, its opened credentials, the API root, and where it
    reports what the platform said about its quota."""

    account: Account
    credentials: dict[str, str]
    base_url: str
    quota: dict[str, Any] = field(default_factory=dict)
    reads: int = 0  # items read
    cost: float = 0.0  # USD spent on this pull (X bills per resource read)
    budget: float | None = None  # USD this pull may spend (what is left of the unit's month); None: no limit

    # New credentials the platform issued during the pull (a refreshed token), kept by the runner whatever
    # the pull's outcome: {"credentials": {...}, "expires_at": datetime | None, "refresh_expires_at": ...}.
    renewed: dict[str, Any] | None = None
    units: int = 0  # platform quota units spent by this pull (YouTube: 10,000 a day per Google project)
    units_left: int | None = None  # what is left of today's units before this pull; None: no unit quota

    def spend_units(self, units: int, *, resets_at: dt.datetime) -> None:
        """Count `units` before a call; raise RateLimited (until `resets_at`) instead of overspending."""
        if self.units_left is not None and self.units + units > self.units_left:
            wait = (resets_at - dt.datetime.now(dt.UTC)).total_seconds()
            raise RateLimited(f"{self.account.platform}: today's quota units are spent", retry_after=max(wait, 60))
        self.units += units

    def affords(self, items: int, unit_price: float) -> bool:
        return self.budget is None or self.cost + items * unit_price <= self.budget + 1e-9

    def charge(self, items: int, unit_price: float) -> None:
        self.reads += items
        self.cost += items * unit_price


class Collector(Protocol):
    platform: str
    # USD per resource read (X's pay-per-use API: docs.x.com "pricing"); all 0 where reading is free.
    price_profile: float
    price_post: float
    price_follow: float
    page_size: int  # posts per timeline page
    follow_page_size: int

    def profile(self, ctx: Context) -> Profile: ...

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]: ...

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]: ...


class MentionReader(Protocol):
    """A collector that can also read who mentioned the account (X, Mastodon), newest first, a page at a time;
    each mention read is billed at `price_post`."""

    def mentions(self, ctx: Context, token: str | None) -> tuple[list[MentionItem], str | None]: ...


@dataclass(frozen=True)
class SearchItem:
    """Someone's public post found by a search (listening's HeardItem adds the platform: `heard_fields(item)`
    gives these fields as keyword arguments)."""

    post_id: str
    published_at: dt.datetime
    text: str = ""  # plain text (HTML, as Mastodon gives it, is reduced to its text)
    url: str = ""
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_location: str = ""  # the profile's free-text location, where the platform gives it
    lat: float | None = None  # the post's own position, where the platform gives it
    lon: float | None = None
    in_reply_to: str = ""
    is_repost: bool = False
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None


def heard_fields(item: SearchItem) -> dict[str, Any]:
    """The item as keyword arguments for embassy.listening.items.HeardItem (platform excepted)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


@dataclass(frozen=True)
class SearchPage:
    """One page of a search, newest first. `next`: the token of the next (older) page of the same search, or
    None at the end. `newest`: what the next search passes as `since` to read only what is newer than this page
    (X and Mastodon: the newest post's id; Bluesky: its time); None when the page is empty."""

    items: list[SearchItem]
    next: str | None
    newest: str | None


class Searcher(Protocol):
    """A collector that can search public posts. `queries(ctx, terms)` turns a stream's terms into the
    platform's queries (a term: a word, a "quoted phrase", several words that must all appear, or an @handle;
    terms are alternatives); `search` reads one page of one query, newest first, only posts newer than
    `since` when given. Each post read is billed at `price_post`."""

    platform: str
    price_post: float
    search_page_size: int

    def queries(self, ctx: Context, terms: list[str]) -> list[str]: ...

    def search(self, ctx: Context, query: str, *, since: str | None, token: str | None) -> SearchPage: ...


def term_units(term: str) -> list[str]:
    """A term's parts, lower case: its "quoted phrases" and its other words, which a post must all contain for
    the term to match it ('"Hong Kong" WNI' → ["hong kong", "wni"])."""
    return [" ".join((phrase or word).lower().split()) for phrase, word in TERM_PART.findall(term)
            if (phrase or word).strip()]


_REGISTRY: dict[str, Callable[[], Collector]] = {}


def register(platform: str) -> Callable[[Callable[[], Collector]], Callable[[], Collector]]:
    def wrap(factory: Callable[[], Collector]) -> Callable[[], Collector]:
        _REGISTRY[platform] = factory
        return factory
    return wrap


MODULES = {"facebook": "graph", "instagram": "graph"}  # one module for Meta's Graph API


def collector_for(platform: str) -> Collector:
    """The platform's collector (its module is imported on first use, so its SDK loads only when needed)."""
    if platform not in _REGISTRY:
        importlib.import_module(f"embassy.social.collectors.{MODULES.get(platform, platform)}")
    return _REGISTRY[platform]()
