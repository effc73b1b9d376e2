"""Bluesky through the AT Protocol SDK (`atproto`), reading the public AppView: an account's profile, posts and
follows are public and need no login. Rate limits come from the `ratelimit-*` headers of each answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atproto import Client
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)

from embassy.social.collectors import (
    AuthRefused,
    CollectorError,
    Context,
    Followed,
    PostItem,
    Profile,
    RateLimited,
    SearchItem,
    SearchPage,
    register,
)

PAGE = 100  # getAuthorFeed and getFollows allow up to 100


class _Client(Client):
    """The SDK's client, remembering the headers of its last answer (the rate-limit headers)."""

    last_headers: dict[str, Any]

    def _invoke(self, invoke_type: Any, **kwargs: Any) -> Any:
        response = super()._invoke(invoke_type, **kwargs)
        self.last_headers = dict(response.headers or {})
        return response


def _headers_of(exc: AtProtocolError) -> dict[str, Any]:
    response = getattr(exc, "response", None)
    return dict(getattr(response, "headers", None) or {})


def _quota(ctx: Context, headers: dict[str, Any]) -> None:
    if "ratelimit-remaining" in headers:
        reset = float(headers.get("ratelimit-reset") or 0)
        ctx.quota = {"remaining": int(headers["ratelimit-remaining"]), "limit": int(headers.get("ratelimit-limit") or 0),
                     "unit": str(headers.get("ratelimit-policy") or "requests"),
                     "reset": dt.datetime.fromtimestamp(reset, tz=dt.UTC).isoformat() if reset else ""}


def _call(ctx: Context, fn: Any, params: dict[str, Any], client: _Client) -> Any:
    try:
        result = fn(params)
    except RateLimitExceededError as exc:
        headers = _headers_of(exc)
        _quota(ctx, headers)
        reset = float(headers.get("ratelimit-reset") or 0)
        raise RateLimited("Bluesky rate limit", retry_after=max(reset - dt.datetime.now(dt.UTC).timestamp(), 60)) from exc
    except UnauthorizedError as exc:
        raise AuthRefused(f"Bluesky refused the credentials: {exc}") from exc
    except BadRequestError as exc:  # e.g. "Profile not found", a handle that no longer resolves
        raise CollectorError(f"Bluesky: {exc}") from exc
    except (RequestException, AtProtocolError, ValueError, TypeError, KeyError) as exc:
        raise CollectorError(f"Bluesky: {type(exc).__name__}: {exc}") from exc
    _quota(ctx, client.last_headers)
    return result


def _client(ctx: Context) -> _Client:
    return _Client(base_url=ctx.base_url or None)


def _kind(embed: Any) -> str:
    kind = str(getattr(embed, "py_type", "") or "")
    if "recordWithMedia" in kind:
        return _kind(getattr(embed, "media", None))
    if "video" in kind:
        return "video"
    if "images" in kind:
        return "image"
    return "link" if "external" in kind else "text"


def _created(record: Any, uri: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(str(record.created_at))
    except (AttributeError, ValueError) as exc:
        raise CollectorError(f"Bluesky: post {uri} has no valid createdAt") from exc
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _query_term(term: str) -> str:
    """A stream term in Bluesky's search syntax: phrases and words as they are (words must all appear), an
    @handle of Bluesky (it has a dot) as `mentions:handle`; other platforms' handles are not searched here."""
    term = term.strip()
    if term.startswith("@"):
        return f"mentions:{term[1:]}" if "." in term else ""
    return term


def _found(post: Any) -> SearchItem:
    record, author = post.record, post.author
    reply = getattr(record, "reply", None)
    rkey = str(post.uri).rsplit("/", 1)[-1]
    return SearchItem(
        post_id=str(post.uri), published_at=_created(record, str(post.uri)), text=str(getattr(record, "text", "") or ""),
        url=f"https://bsky.app/profile/{author.handle}/post/{rkey}", author_id=str(author.did),
        author_handle=str(author.handle), author_name=str(getattr(author, "display_name", "") or ""),
        in_reply_to=str(reply.parent.uri) if reply is not None and getattr(reply, "parent", None) else "",
        likes=post.like_count, shares=(post.repost_count or 0) + (post.quote_count or 0), replies=post.reply_count)


class BlueskyCollector:
    platform = "bluesky"
    price_profile = price_post = price_follow = 0.0  # reading is free
    page_size, follow_page_size = PAGE, PAGE
    search_page_size = PAGE  # app.bsky.feed.searchPosts allows up to 100

    def queries(self, ctx: Context, terms: list[str]) -> list[str]:
        found: list[str] = []
        for query in filter(None, (_query_term(t) for t in terms)):
            if query not in found:
                found.append(query)
        return found

    def search(self, ctx: Context, query: str, *, since: str | None, token: str | None) -> SearchPage:
        """app.bsky.feed.searchPosts, latest first; `since` is a time (posts at or after it: the store drops the
        ones already heard)."""
        client = _client(ctx)
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": PAGE}
        if since:
            params["since"] = since
        if token:
            params["cursor"] = token
        page = _call(ctx, client.app.bsky.feed.search_posts, params, client)
        items = [_found(p) for p in page.posts]
        newest = max((i.published_at for i in items), default=None)
        return SearchPage(items=items, next=page.cursor if page.cursor and items else None,
                          newest=newest.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if newest else None)

    def profile(self, ctx: Context) -> Profile:
        client = _client(ctx)
        found = _call(ctx, client.app.bsky.actor.get_profile, {"actor": ctx.account.handle}, client)
        return Profile(platform_id=str(found.did), followers=found.followers_count, following=found.follows_count,
                       posts=found.posts_count)

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        client = _client(ctx)
        page = _call(ctx, client.app.bsky.feed.get_author_feed,
                     {"actor": ctx.account.platform_id or ctx.account.handle, "limit": PAGE, "cursor": token}, client)
        posts: list[PostItem] = []
        for item in page.feed:
            post = item.post
            repost = "reasonRepost" in str(getattr(item.reason, "py_type", "") or "")
            rkey = post.uri.rsplit("/", 1)[-1]
            posts.append(PostItem(
                post_id=("repost:" if repost else "") + post.uri, published_at=_created(post.record, post.uri),
                kind=_kind(post.embed), is_reply=getattr(post.record, "reply", None) is not None, is_repost=repost,
                text=str(getattr(post.record, "text", "") or ""),
                url=f"https://bsky.app/profile/{post.author.handle}/post/{rkey}",
                likes=post.like_count, comments=post.reply_count,
                shares=(post.repost_count or 0) + (post.quote_count or 0)))
        return posts, (page.cursor if page.cursor and page.feed else None)

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        client = _client(ctx)
        page = _call(ctx, client.app.bsky.graph.get_follows,
                     {"actor": ctx.account.platform_id or ctx.account.handle, "limit": PAGE, "cursor": token}, client)
        follows = [Followed(target_id=str(f.did), target_handle=str(f.handle)) for f in page.follows]
        return follows, (page.cursor if page.cursor and page.follows else None)


register("bluesky")(BlueskyCollector)
