"""X (API v2) through tweepy. X bills each resource read (docs.x.com, "Pricing", read 2026-12: a post
$0.005, a user $0.010, a followed account $0.010), so the runner checks the unit's budget before every page
and shows the estimate before a pull (`budget.pull_estimate`). Rate limits: the x-rate-limit-* headers.

Reading public posts and profiles needs the app's bearer token (app-only, does not expire) or a user's
OAuth 2.0 token; the account's credentials give either as `bearer_token`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import requests
import tweepy

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

PAGE = 100  # GET /2/users/:id/tweets allows 5..100
FOLLOW_PAGE = 1000
TWEEPY_HOST = "https://api.twitter.com"  # tweepy's fixed host; sent to SOCIAL_API_BASE["x"] instead
TWEET_FIELDS = ["created_at", "public_metrics", "referenced_tweets", "attachments", "entities"]
SEARCH_FIELDS = ["created_at", "public_metrics", "referenced_tweets", "author_id", "geo", "lang"]
MAX_QUERY = 512  # characters in a recent-search query (docs.x.com, "Build a query": 512 on every plan)
HANDLE = re.compile(r"@\w{1,15}")  # an X username


class _Session(requests.Session):
    """tweepy's session, sending its requests to the configured API root and keeping the last headers."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.last_headers: dict[str, str] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        url = str(url)
        if url.startswith(TWEEPY_HOST):
            url = self.base + url[len(TWEEPY_HOST):]
        kwargs.setdefault("timeout", 30)
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = {k.lower(): v for k, v in response.headers.items()}
        return response


def _client(ctx: Context) -> tuple[tweepy.Client, _Session]:
    token = ctx.credentials.get("bearer_token") or ctx.credentials.get("access_token")
    if not token:
        raise AuthRefused("X: no bearer token: connect the account first")
    client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
    session = _Session(ctx.base_url or "https://api.x.com")
    client.session = session
    return client, session


def _quota(ctx: Context, headers: dict[str, str]) -> None:
    if "x-rate-limit-remaining" in headers:
        reset = int(headers.get("x-rate-limit-reset") or 0)
        ctx.quota = {"remaining": int(headers["x-rate-limit-remaining"]),
                     "limit": int(headers.get("x-rate-limit-limit") or 0), "unit": "requests / 15 min",
                     "reset": dt.datetime.fromtimestamp(reset, tz=dt.UTC).isoformat() if reset else ""}


def _call(ctx: Context, session: _Session, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        result = fn(*args, **kwargs)
    except tweepy.TooManyRequests as exc:
        _quota(ctx, session.last_headers)
        reset = float(exc.reset_time or 0)
        raise RateLimited("X rate limit", retry_after=max(reset - dt.datetime.now(dt.UTC).timestamp(), 60)) from exc
    except tweepy.Unauthorized as exc:
        raise AuthRefused(f"X refused the token: {exc}") from exc
    except (tweepy.TweepyException, requests.RequestException, ValueError) as exc:
        raise CollectorError(f"X: {type(exc).__name__}: {exc}") from exc
    _quota(ctx, session.last_headers)
    if not isinstance(result, dict):
        raise CollectorError("X: the answer is not a JSON object")
    if "data" not in result and result.get("errors"):
        raise CollectorError(f"X: {result['errors'][0].get('detail') or result['errors'][0]}")
    return result


def _kind(tweet: dict[str, Any], media: dict[str, str]) -> str:
    types = [media.get(k, "") for k in (tweet.get("attachments") or {}).get("media_keys", [])]
    if any(t in {"video", "animated_gif"} for t in types):
        return "video"
    if types:
        return "image"
    return "link" if (tweet.get("entities") or {}).get("urls") else "text"


def _post(tweet: dict[str, Any], media: dict[str, str], username: str) -> PostItem:
    try:
        created = dt.datetime.fromisoformat(str(tweet["created_at"]))
        metrics = tweet["public_metrics"]
        refs = {r.get("type") for r in tweet.get("referenced_tweets") or []}
        return PostItem(
            post_id=str(tweet["id"]), published_at=created.astimezone(dt.UTC), kind=_kind(tweet, media),
            is_reply="replied_to" in refs, is_repost="retweeted" in refs, text=str(tweet.get("text") or ""),
            in_reply_to=next((str(r.get("id")) for r in tweet.get("referenced_tweets") or []
                              if r.get("type") == "replied_to"), ""),
            url=f"https://x.com/{username}/status/{tweet['id']}", likes=int(metrics["like_count"]),
            comments=int(metrics["reply_count"]),
            shares=int(metrics["retweet_count"]) + int(metrics.get("quote_count") or 0),
            views=metrics.get("impression_count"), saves=metrics.get("bookmark_count"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"X: post {tweet.get('id')} is malformed ({exc!r})") from exc


def _query_term(term: str) -> str:
    """One stream term in X's query language: "a phrase", an @username, several words that must all appear."""
    term = term.strip()
    if term.startswith("@"):
        return term if HANDLE.fullmatch(term) else ""
    units = term_units(term)
    if len(units) == 1:
        return f'"{units[0]}"' if " " in units[0] else units[0]
    return f"({term})" if units else ""


def _located(tweet: dict[str, Any], places: dict[str, Any]) -> tuple[float | None, float | None]:
    """The post's position: its own point, else the centre of the place it was tagged with."""
    geo = tweet.get("geo") or {}
    point = (geo.get("coordinates") or {}).get("coordinates")
    if isinstance(point, list) and len(point) == 2:
        return float(point[1]), float(point[0])  # GeoJSON order: longitude, latitude
    box = ((places.get(str(geo.get("place_id") or "")) or {}).get("geo") or {}).get("bbox")
    if isinstance(box, list) and len(box) == 4:
        return (float(box[1]) + float(box[3])) / 2, (float(box[0]) + float(box[2])) / 2
    return None, None


def _found(tweet: dict[str, Any], users: dict[str, Any], places: dict[str, Any]) -> SearchItem:
    try:
        author = users.get(str(tweet.get("author_id") or "")) or {}
        metrics = tweet.get("public_metrics") or {}
        refs = {str(r.get("type")): str(r.get("id")) for r in tweet.get("referenced_tweets") or []}
        lat, lon = _located(tweet, places)
        handle = str(author.get("username") or "")
        return SearchItem(
            post_id=str(tweet["id"]), published_at=dt.datetime.fromisoformat(str(tweet["created_at"])).astimezone(dt.UTC),
            text=str(tweet.get("text") or ""), url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id']}",
            author_id=str(tweet.get("author_id") or ""), author_handle=handle, author_name=str(author.get("name") or ""),
            author_location=str(author.get("location") or ""), lat=lat, lon=lon, in_reply_to=refs.get("replied_to", ""),
            is_repost="retweeted" in refs, likes=metrics.get("like_count"),
            shares=(metrics.get("retweet_count") or 0) + (metrics.get("quote_count") or 0) if metrics else None,
            replies=metrics.get("reply_count"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"X: post {tweet.get('id')} is malformed ({exc!r})") from exc


class XCollector:
    platform = "x"
    price_profile, price_post, price_follow = 0.010, 0.005, 0.010  # USD per resource read
    page_size, follow_page_size = PAGE, FOLLOW_PAGE
    search_page_size = PAGE  # GET /2/tweets/search/recent allows 10..100

    def queries(self, ctx: Context, terms: list[str]) -> list[str]:
        """The terms OR-ed into as few queries as fit X's length limit, reposts left out (the original is read)."""
        suffix = " -is:retweet"
        queries: list[str] = []
        current: list[str] = []
        for part in filter(None, (_query_term(t) for t in terms)):
            candidate = [*current, part]
            if current and len(f"({' OR '.join(candidate)}){suffix}") > MAX_QUERY:
                queries.append(f"({' OR '.join(current)}){suffix}")
                candidate = [part]
            current = candidate
        if current:
            queries.append(f"({' OR '.join(current)}){suffix}")
        return queries

    def search(self, ctx: Context, query: str, *, since: str | None, token: str | None) -> SearchPage:
        """GET /2/tweets/search/recent (the last 7 days), newest first; `since` is a post id (since_id)."""
        client, session = _client(ctx)
        page = _call(ctx, session, client.search_recent_tweets, query, max_results=PAGE, since_id=since or None,
                     next_token=token, tweet_fields=SEARCH_FIELDS, expansions=["author_id", "geo.place_id"],
                     user_fields=["username", "name", "location"], place_fields=["full_name", "geo"])
        includes = page.get("includes") or {}
        users = {str(u.get("id")): u for u in includes.get("users") or []}
        places = {str(p.get("id")): p for p in includes.get("places") or []}
        items = [_found(t, users, places) for t in page.get("data") or []]
        meta = page.get("meta") or {}
        return SearchPage(items=items, next=meta.get("next_token") if items else None,
                          newest=str(meta.get("newest_id") or (items[0].post_id if items else "")) or None)

    def _user_id(self, ctx: Context) -> str:
        if not ctx.account.platform_id:
            raise CollectorError("X: the account's id is not known yet (its profile was not read)")
        return ctx.account.platform_id

    def profile(self, ctx: Context) -> Profile:
        client, session = _client(ctx)
        found = _call(ctx, session, client.get_user, username=ctx.account.handle,
                      user_fields=["public_metrics", "verified", "verified_type"])
        try:
            user, metrics = found["data"], found["data"]["public_metrics"]
            return Profile(platform_id=str(user["id"]), followers=int(metrics["followers_count"]),
                           following=int(metrics["following_count"]), posts=int(metrics["tweet_count"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectorError(f"X: the profile is malformed ({exc!r})") from exc

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        client, session = _client(ctx)
        page = _call(ctx, session, client.get_users_tweets, self._user_id(ctx), max_results=PAGE,
                     pagination_token=token, tweet_fields=TWEET_FIELDS, expansions=["attachments.media_keys"],
                     media_fields=["type"])
        media = {m["media_key"]: m.get("type", "") for m in (page.get("includes") or {}).get("media", [])}
        posts = [_post(t, media, ctx.account.handle) for t in page.get("data") or []]
        return posts, (page.get("meta") or {}).get("next_token") if posts else None

    def mentions(self, ctx: Context, token: str | None) -> tuple[list[MentionItem], str | None]:
        client, session = _client(ctx)
        page = _call(ctx, session, client.get_users_mentions, self._user_id(ctx), max_results=PAGE,
                     pagination_token=token, tweet_fields=["created_at", "author_id"], expansions=["author_id"],
                     user_fields=["username"])
        users = {str(u.get("id")): str(u.get("username") or "") for u in (page.get("includes") or {}).get("users", [])}
        found = []
        for tweet in page.get("data") or []:
            try:
                author = str(tweet.get("author_id") or "")
                found.append(MentionItem(
                    post_id=str(tweet["id"]), published_at=dt.datetime.fromisoformat(str(tweet["created_at"])),
                    author_id=author, author_handle=users.get(author, ""), text=str(tweet.get("text") or ""),
                    url=f"https://x.com/{users.get(author) or 'i/web'}/status/{tweet['id']}"))
            except (KeyError, TypeError, ValueError) as exc:
                raise CollectorError(f"X: mention {tweet.get('id')} is malformed ({exc!r})") from exc
        return found, (page.get("meta") or {}).get("next_token") if found else None

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        client, session = _client(ctx)
        page = _call(ctx, session, client.get_users_following, self._user_id(ctx), max_results=FOLLOW_PAGE,
                     pagination_token=token)
        follows = [Followed(target_id=str(u["id"]), target_handle=str(u.get("username") or ""))
                   for u in page.get("data") or []]
        return follows, (page.get("meta") or {}).get("next_token") if follows else None


register("x")(XCollector)
