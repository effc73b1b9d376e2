"""Mastodon through Mastodon.py (the maintained client; ADR 0019). Public accounts and their public posts need
no token; an access token, where the account has one, raises the rate limit. Rate limits come from the
instance's X-RateLimit-* headers, which Mastodon.py reads; it is told to raise rather than sleep, so a pull
never blocks a worker."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from django.utils.html import strip_tags
from mastodon import (
    Mastodon,
    MastodonError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from embassy.social.collectors import (
    AuthRefused,
    CollectorError,
    Context,
    Followed,
    MentionItem,
    PostItem,
    Profile,
    RateLimited,
    SearchItem,
    SearchPage,
    register,
    term_units,
)

PAGE = 40  # statuses per page, Mastodon's maximum
FOLLOW_PAGE = 80


def _client(ctx: Context) -> Mastodon:
    instance = ctx.account.handle.partition("@")[2]
    base = ctx.base_url or f"https://{instance}"
    return Mastodon(api_base_url=base, access_token=ctx.credentials.get("access_token") or None,
                    ratelimit_method="throw", request_timeout=30, version_check_mode="none")


def _quota(ctx: Context, api: Mastodon) -> None:
    remaining, limit, reset = (getattr(api, n, None) for n in ("ratelimit_remaining", "ratelimit_limit",
                                                               "ratelimit_reset"))
    if remaining is not None:
        ctx.quota = {"remaining": int(remaining), "limit": int(limit or 0), "unit": "requests / 5 min",
                     "reset": dt.datetime.fromtimestamp(float(reset or 0), tz=dt.UTC).isoformat()}


def _call(ctx: Context, api: Mastodon, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        result = fn(*args, **kwargs)
    except MastodonRatelimitError as exc:
        reset = float(getattr(api, "ratelimit_reset", 0) or 0)
        raise RateLimited(f"Mastodon rate limit: {exc}",
                          retry_after=max(reset - dt.datetime.now(dt.UTC).timestamp(), 60)) from exc
    except MastodonUnauthorizedError as exc:
        raise AuthRefused(f"Mastodon refused the token: {exc}") from exc
    except MastodonNotFoundError as exc:
        raise CollectorError(f"Mastodon: no such account or page ({exc})") from exc
    except (MastodonError, ValueError, KeyError, TypeError) as exc:
        raise CollectorError(f"Mastodon: {type(exc).__name__}: {exc}") from exc
    _quota(ctx, api)
    return result


def _kind(status: Any) -> str:
    media = [m.get("type") for m in status.get("media_attachments") or []]
    if any(t in {"video", "gifv"} for t in media):
        return "video"
    if media:
        return "image"
    return "link" if status.get("card") else "text"


def _post(status: Any) -> PostItem:
    created = status["created_at"]
    if not isinstance(created, dt.datetime):
        raise CollectorError(f"Mastodon: status {status.get('id')} has no valid created_at")
    return PostItem(
        post_id=str(status["id"]), published_at=created.astimezone(dt.UTC), kind=_kind(status),
        is_reply=status.get("in_reply_to_id") is not None, is_repost=status.get("reblog") is not None,
        in_reply_to=str(status.get("in_reply_to_id") or ""),
        text=str(status.get("content") or ""), url=str(status.get("url") or status.get("uri") or ""),
        likes=int(status.get("favourites_count") or 0), comments=int(status.get("replies_count") or 0),
        shares=int(status.get("reblogs_count") or 0),
    )


LOCATION_FIELDS = {"location", "lokasi", "domisili", "tinggal", "kota", "city", "based in"}
BREAKS = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def plain(content: str) -> str:
    """A status's HTML as the text a reader sees (paragraphs and line breaks kept as new lines)."""
    return html.unescape(strip_tags(BREAKS.sub("\n", content))).strip()


def hashtag_of(term: str) -> str:
    """The hashtag people would write for a term: its words run together ("KBRI Kuala Lumpur" → KBRIKualaLumpur)."""
    return "".join(re.findall(r"\w+", term.replace('"', "")))


def _profile_location(account: Any) -> str:
    for pair in account.get("fields") or []:
        if str(pair.get("name") or "").strip().lower() in LOCATION_FIELDS:
            return plain(str(pair.get("value") or ""))[:200]
    return ""


def _found(status: Any) -> SearchItem:
    created, author = status.get("created_at"), status.get("account") or {}
    if not status.get("id") or not isinstance(created, dt.datetime):
        raise CollectorError(f"Mastodon: status {status.get('id')} has no valid created_at")
    return SearchItem(
        post_id=str(status["id"]), published_at=created.astimezone(dt.UTC), text=plain(str(status.get("content") or "")),
        url=str(status.get("url") or status.get("uri") or ""), author_id=str(author.get("id") or ""),
        author_handle=str(author.get("acct") or ""), author_name=str(author.get("display_name") or ""),
        author_location=_profile_location(author), in_reply_to=str(status.get("in_reply_to_id") or ""),
        is_repost=status.get("reblog") is not None, likes=status.get("favourites_count"),
        shares=status.get("reblogs_count"), replies=status.get("replies_count"))


class MastodonCollector:
    platform = "mastodon"
    price_profile = price_post = price_follow = 0.0  # reading is free
    page_size, follow_page_size = PAGE, FOLLOW_PAGE
    search_page_size = PAGE

    def queries(self, ctx: Context, terms: list[str]) -> list[str]:
        """Each term as a hashtag timeline ("#tag", and "#tag +word" when more words or phrases must appear: the
        timeline is read by the first and the rest checked here; a phrase's spaces are written "_"); with a token, also the instance's full-text
        search of statuses ("?term"), which Mastodon gives only to signed-in users. @handles are not searched."""
        found: list[str] = []
        for term in (t.strip() for t in terms):
            if not term or term.startswith("@"):
                continue
            first, *rest = term_units(term) or [""]
            query = " ".join([f"#{hashtag_of(first)}", *(f"+{u.replace(' ', '_')}" for u in rest)])
            if len(query.split(" ")[0]) > 1 and query not in found:
                found.append(query)
            if ctx.credentials.get("access_token") and f"?{term}" not in found:
                found.append(f"?{term}")
        return found

    def search(self, ctx: Context, query: str, *, since: str | None, token: str | None) -> SearchPage:
        """GET /api/v1/timelines/tag/:hashtag (since_id, max_id paging by the Link header), or GET /api/v2/search
        with type=statuses for a "?text" query; newest first."""
        api = _client(ctx)
        if query.startswith("?"):
            result = _call(ctx, api, api.search_v2, query[1:], resolve=False, result_type="statuses",
                           min_id=since or None, max_id=token, limit=PAGE)
            statuses = raw = list(result.get("statuses") or [])
            nxt = str(statuses[-1]["id"]) if len(statuses) >= PAGE else None
        else:
            tag, *more = query.split(" ")
            raw = _call(ctx, api, api.timeline_hashtag, tag.lstrip("#"), since_id=since or None, max_id=token,
                        limit=PAGE)
            page_next = getattr(raw, "_pagination_next", None)
            nxt = str(page_next["max_id"]) if raw and page_next and page_next.get("max_id") else None
            wanted = [w[1:].replace("_", " ") for w in more]
            statuses = [s for s in raw if all(w in " ".join(plain(str(s.get("content") or "")).lower().split())
                                              for w in wanted)]
        items = [_found(s) for s in statuses]
        newest = max((int(s["id"]) for s in raw if str(s.get("id", "")).isdigit()), default=None)
        return SearchPage(items=items, next=nxt, newest=str(newest) if newest is not None else None)

    def _account_id(self, ctx: Context, api: Mastodon) -> str:
        if ctx.account.platform_id:
            return ctx.account.platform_id
        found = _call(ctx, api, api.account_lookup, ctx.account.handle)
        return str(found["id"])

    def profile(self, ctx: Context) -> Profile:
        api = _client(ctx)
        found = _call(ctx, api, api.account_lookup, ctx.account.handle)
        return Profile(platform_id=str(found["id"]), followers=int(found["followers_count"]),
                       following=int(found["following_count"]), posts=int(found["statuses_count"]))

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        api = _client(ctx)
        statuses = _call(ctx, api, api.account_statuses, self._account_id(ctx, api), max_id=token, limit=PAGE)
        posts = [_post(s) for s in statuses]
        nxt = getattr(statuses, "_pagination_next", None)  # from the Link header, as the API pages
        return posts, (str(nxt["max_id"]) if posts and nxt and nxt.get("max_id") else None)

    def mentions(self, ctx: Context, token: str | None) -> tuple[list[MentionItem], str | None]:
        """The account's mention notifications: only with the account's own token (none: nothing to read)."""
        if not ctx.credentials.get("access_token"):
            return [], None
        api = _client(ctx)
        page = _call(ctx, api, api.notifications, types=["mention"], max_id=token, limit=PAGE)
        found = []
        for note in page:
            status, author = note.get("status") or {}, note.get("account") or {}
            created = status.get("created_at")
            if not status.get("id") or not isinstance(created, dt.datetime):
                raise CollectorError(f"Mastodon: notification {note.get('id')} has no valid status")
            found.append(MentionItem(post_id=str(status["id"]), published_at=created.astimezone(dt.UTC),
                                     author_id=str(author.get("id") or ""), author_handle=str(author.get("acct") or ""),
                                     text=str(status.get("content") or ""), url=str(status.get("url") or "")))
        nxt = getattr(page, "_pagination_next", None)
        return found, (str(nxt["max_id"]) if found and nxt and nxt.get("max_id") else None)

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        api = _client(ctx)
        # Mastodon pages the following list by an internal id that only its Link header gives: the token is
        # that max_id.
        page = _call(ctx, api, api.account_following, self._account_id(ctx, api), max_id=token, limit=FOLLOW_PAGE)
        follows = [Followed(target_id=str(a["id"]), target_handle=str(a.get("acct") or "")) for a in page]
        nxt = getattr(page, "_pagination_next", None)
        return follows, (str(nxt["max_id"]) if nxt and nxt.get("max_id") else None)


register("mastodon")(MastodonCollector)
