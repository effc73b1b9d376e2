"""Mastodon through Mastodon.py (the maintained client; ADR 0019). Public accounts and their public posts need
no token; an access token, where the account has one, raises the rate limit. Rate limits come from the
instance's X-RateLimit-* headers, which Mastodon.py reads; it is told to raise rather than sleep, so a pull
never blocks a worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    register,
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


class MastodonCollector:
    platform = "mastodon"
    price_profile = price_post = price_follow = 0.0  # reading is free
    page_size, follow_page_size = PAGE, FOLLOW_PAGE

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
