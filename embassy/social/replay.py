"""The demo's platforms: a local HTTP server that answers as X API v2, the Graph API (Facebook Pages and
Instagram), YouTube Data API v3 and TikTok's API document, for the demo accounts only (`demo=True`), with the
demo simulation's posts and numbers as they are at the moment of the request (embassy.social.demo: the same
posts, day by day, as the demo year that `make run` seeds, and new ones as the days go by).

`make run` starts it (`manage.py social_replay`, SOCIAL_REPLAY_PORT) and a pull of a demo account reads it
instead of the platform (embassy.social.pull), so "pull now" on a demo account goes through the real
collectors and SDKs: tweepy, google-api-python-client, paging, the platforms' quota headers, token renewal,
the stored snapshots. Only demo tokens are accepted ("demo-…", as the demo seed connects its accounts); a real
account's pull never comes here.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db import close_old_connections

from embassy.social.collectors import PostItem
from embassy.social.demo import TOKEN_PREFIX, followers_on, following_of, mention_plan, plan, reading
from embassy.social.models import Account

GRAPH = "/v24.0/"
HISTORY_DAYS = 365  # the demo year: older pages end here
X_WINDOW, X_LIMIT = 900, 1500  # X: requests per 15-minute window and endpoint
GRAPH_CALLS_PER_HOUR = 4800  # the Graph API's app budget (X-App-Usage is a percentage of it)
TIKTOK_PER_MINUTE = 600

Answer = tuple[int, dict[str, str], Any]

# Apps above this one answer more of the platforms' API here (listening's searches, publishing's posts): each
# extension is asked first and returns None for a request it does not answer. Registered in AppConfig.ready().
Extension = Callable[["Replay", str, str, dict[str, str], bytes], "Answer | None"]
EXTENSIONS: list[Extension] = []


def _error(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, headers or {}, body


class Replay:
    """Answers one request at a time (thread-safe); `now` is the clock the posts and numbers are read at."""

    def __init__(self, *, seed: int = 1, now: Callable[[], dt.datetime] | None = None,
                 accounts: list[Account] | None = None) -> None:
        self.seed = seed
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        self._calls: dict[tuple[str, int], int] = {}  # (limit's name, window) → calls
        self._plans: dict[tuple[int, dt.date], list[Any]] = {}
        self._given = accounts is not None
        self._accounts = accounts or []
        self._loaded = 0.0

    def _demo_accounts(self) -> list[Account]:
        """The demo accounts (given, or read from the database, again at most once a minute)."""
        if not self._given and time.monotonic() - self._loaded > 60:
            self._accounts = list(Account.objects.select_related("unit").filter(demo=True).order_by("pk"))
            self._loaded = time.monotonic()
        return self._accounts

    # --- what the demo accounts have -------------------------------------------------------------------
    def _posts(self, account: Account, now: dt.datetime) -> list[PostItem]:
        """Every post up to now, newest first, with its numbers as of now."""
        today = now.date()
        key = (account.pk, today)
        with self._lock:
            posts = self._plans.get(key)
        if posts is None:
            posts = plan(account, start=today - dt.timedelta(days=HISTORY_DAYS), end=today + dt.timedelta(days=1),
                         seed=self.seed)
            with self._lock:
                self._plans = {k: v for k, v in self._plans.items() if k[1] == today}
                self._plans[key] = posts
        return [reading(p, now) for p in reversed(posts) if p.published_at <= now]

    def _count(self, name: str, window: int, limit: int) -> tuple[int, int]:
        """Count one call against a limit; (calls left in the window, the window's end as a Unix time)."""
        slot = int(time.time()) // window
        with self._lock:
            self._calls = {k: v for k, v in self._calls.items() if k[1] == slot}
            used = self._calls[(name, slot)] = self._calls.get((name, slot), 0) + 1
        return limit - used, (slot + 1) * window

    def _account(self, platform: str, *, handle: str = "", platform_id: str = "", pk: int = 0) -> Account | None:
        for account in self._demo_accounts():
            if account.platform == platform and (
                    (handle and account.handle.lower() == handle.lower().lstrip("@"))
                    or (platform_id and account.platform_id == platform_id) or (pk and account.pk == pk)):
                return account
        return None

    @staticmethod
    def _page(items: list[Any], token: str | None, size: int) -> tuple[list[Any], str | None]:
        start = int(token) if token and token.isdigit() else 0
        end = start + size
        return items[start:end], (str(end) if end < len(items) else None)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        for extension in EXTENSIONS:
            answered = extension(self, method, path, headers, body)
            if answered is not None:
                return answered
        parts = urlsplit(path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        route = parts.path
        if route.startswith("/2/"):
            return self._x(method, route, query, headers)
        if route.startswith(GRAPH):
            return self._graph(route[len(GRAPH):].strip("/"), query, headers, parts.path)
        if route.startswith("/youtube/v3/"):
            return self._youtube(route.rsplit("/", 1)[-1], query)
        if route.startswith("/v2/"):
            return self._tiktok(method, route, headers, body)
        return _error(404, {"error": f"the demo replay server does not answer {route}"})

    # --- X API v2 (docs.x.com) -------------------------------------------------------------------------
    def _x(self, method: str, route: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        auth = headers.get("authorization", "")
        if method != "GET" or not auth.startswith(f"Bearer {TOKEN_PREFIX}"):
            return _error(401, {"title": "Unauthorized", "type": "about:blank", "status": 401,
                                "detail": "Unauthorized"})
        endpoint = route.rsplit("/", 1)[-1] if not route.startswith("/2/users/by/") else "by-username"
        left, reset = self._count(f"x:{endpoint}", X_WINDOW, X_LIMIT)
        rate = {"x-rate-limit-limit": str(X_LIMIT), "x-rate-limit-remaining": str(max(left, 0)),
                "x-rate-limit-reset": str(reset)}
        if left < 0:
            return _error(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}, rate)
        parts = route.strip("/").split("/")
        if parts[:3] == ["2", "users", "by"] and len(parts) == 5:
            account = self._account("x", handle=parts[4])
            if account is None:
                return _error(200, {"errors": [{"title": "Not Found Error", "detail": f"Could not find user with "
                                                f"username: [{parts[4]}].", "type": "https://api.twitter.com/2/"
                                                "problems/resource-not-found"}]}, rate)
            now = self.now()
            return 200, rate, {"data": {
                "id": account.platform_id, "name": account.owner_name or account.handle, "username": account.handle,
                "verified": False, "public_metrics": {
                    "followers_count": followers_on(account, now.date(), seed=self.seed), "following_count":
                    len(self._following(account)), "tweet_count": len(self._posts(account, now)), "listed_count": 0}}}
        account = self._account("x", platform_id=parts[2]) if len(parts) == 4 else None
        if account is None:
            return _error(404, {"title": "Not Found Error", "detail": "no such user", "status": 404}, rate)
        return self._x_list(account, parts[3], query, rate)

    def _x_list(self, account: Account, what: str, query: dict[str, str], rate: dict[str, str]) -> Answer:
        size = max(5, min(int(query.get("max_results") or 10), 1000))
        if what == "tweets":
            page, token = self._page(self._posts(account, self.now()), query.get("pagination_token"), size)
            meta: dict[str, Any] = {"result_count": len(page)}
            if page:
                meta.update(newest_id=page[0].post_id, oldest_id=page[-1].post_id)
            if token:
                meta["next_token"] = token
            media = [{"media_key": f"7_{p.post_id}", "type": "video" if p.kind == "video" else "photo"}
                     for p in page if p.kind in ("video", "image")]
            return 200, rate, {"data": [self._tweet(p) for p in page], "includes": {"media": media}, "meta": meta}
        if what == "mentions":
            now = self.now()
            found = [m for m in reversed(mention_plan(account, start=now.date() - dt.timedelta(days=HISTORY_DAYS),
                                                      end=now.date() + dt.timedelta(days=1), seed=self.seed))
                     if m.published_at <= now]
            page_m, token = self._page(found, query.get("pagination_token"), size)
            meta = {"result_count": len(page_m), **({"next_token": token} if token else {})}
            return 200, rate, {"data": [{"id": m.post_id, "text": m.text, "author_id": m.author_id,
                                         "created_at": m.published_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                                         "edit_history_tweet_ids": [m.post_id]} for m in page_m],
                               "includes": {"users": [{"id": m.author_id, "name": m.author_handle,
                                                       "username": m.author_handle} for m in page_m]},
                               "meta": meta}
        if what == "following":
            page, token = self._page(self._following(account), query.get("pagination_token"), size)
            meta = {"result_count": len(page), **({"next_token": token} if token else {})}
            return 200, rate, {"data": [{"id": a.platform_id, "name": a.owner_name or a.handle, "username": a.handle}
                                        for a in page], "meta": meta}
        return _error(404, {"title": "Not Found Error", "status": 404}, rate)

    @staticmethod
    def _tweet(p: PostItem) -> dict[str, Any]:
        shares = p.shares or 0
        tweet: dict[str, Any] = {
            "id": p.post_id, "text": p.text, "edit_history_tweet_ids": [p.post_id],
            "created_at": p.published_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "public_metrics": {"retweet_count": shares - shares // 4, "quote_count": shares // 4,
                               "reply_count": p.comments or 0, "like_count": p.likes or 0,
                               "bookmark_count": (p.likes or 0) // 20, "impression_count": p.views or 0}}
        if p.kind in ("video", "image"):
            tweet["attachments"] = {"media_keys": [f"7_{p.post_id}"]}
        if p.kind == "link":
            tweet["entities"] = {"urls": [{"url": "https://t.co/demo", "expanded_url": "https://example.org/"}]}
        if p.is_reply:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": p.in_reply_to or "1"}]
        return tweet

    def _following(self, account: Account) -> list[Account]:
        return following_of(account, self._demo_accounts())

    # --- Graph API: Facebook Pages and Instagram (developers.facebook.com/docs/graph-api) -----------------
    def _graph(self, path: str, query: dict[str, str], headers: dict[str, str], route: str) -> Answer:
        left, _reset = self._count("graph", 3600, GRAPH_CALLS_PER_HOUR)
        used = round(100 * (GRAPH_CALLS_PER_HOUR - max(left, 0)) / GRAPH_CALLS_PER_HOUR)
        usage = {"x-app-usage": json.dumps({"call_count": used, "total_cputime": used // 2, "total_time": used // 2})}
        if not headers.get("authorization", "").startswith(f"Bearer {TOKEN_PREFIX}"):
            return _error(400, {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                                          "type": "OAuthException", "code": 190, "fbtrace_id": "demo"}}, usage)
        if left < 0:
            return _error(403, {"error": {"message": "(#4) Application request limit reached",
                                          "type": "OAuthException", "code": 4, "fbtrace_id": "demo"}}, usage)
        node, _, edge = path.partition("/")
        account = self._account("facebook", platform_id=node) or self._account("instagram", platform_id=node)
        if account is None:
            return _error(400, {"error": {"message": f"(#803) Some of the aliases you requested do not exist: {node}",
                                          "type": "OAuthException", "code": 803, "fbtrace_id": "demo"}}, usage)
        now = self.now()
        if not edge:
            followers = followers_on(account, now.date(), seed=self.seed)
            if account.platform == "facebook":
                return 200, usage, {"id": node, "name": account.owner_name or account.handle,
                                    "followers_count": followers}
            return 200, usage, {"id": node, "username": account.handle, "followers_count": followers,
                                "follows_count": len(self._following(account)),
                                "media_count": len(self._posts(account, now))}
        if (edge, account.platform) not in (("posts", "facebook"), ("media", "instagram")):
            return _error(400, {"error": {"message": f"(#100) Tried accessing nonexisting field ({edge})",
                                          "type": "OAuthException", "code": 100, "fbtrace_id": "demo"}}, usage)
        page, after = self._page(self._posts(account, now), query.get("after"), int(query.get("limit") or 25))
        paging: dict[str, Any] = {"cursors": {"before": "0", "after": after or str(len(page))}}
        if after:
            paging["next"] = f"https://graph.facebook.com{route}?{urlencode({**query, 'after': after})}"
        shape = self._facebook_post if account.platform == "facebook" else self._instagram_media
        return 200, usage, {"data": [shape(account, p) for p in page], "paging": paging}

    @staticmethod
    def _facebook_post(account: Account, p: PostItem) -> dict[str, Any]:
        kind = {"video": "video", "image": "photo", "link": "link"}.get(p.kind)
        post: dict[str, Any] = {
            "id": p.post_id, "created_time": p.published_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "message": p.text, "permalink_url": f"https://www.facebook.com/{account.platform_id}/posts/{p.post_id}",
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": p.comments or 0,
                                                 "can_comment": True}},
            "reactions": {"data": [], "summary": {"total_count": p.likes or 0, "viewer_reaction": "NONE"}}}
        if kind:
            post["attachments"] = {"data": [{"media_type": kind}]}
        if p.shares:
            post["shares"] = {"count": p.shares}
        return post

    @staticmethod
    def _instagram_media(account: Account, p: PostItem) -> dict[str, Any]:
        video = p.kind == "video"
        return {"id": p.post_id, "caption": p.text, "media_type": "VIDEO" if video else "IMAGE",
                "media_product_type": "REELS" if video else "FEED",
                "timestamp": p.published_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "permalink": f"https://www.instagram.com/p/{p.post_id}/", "like_count": p.likes or 0,
                "comments_count": p.comments or 0}

    # --- YouTube Data API v3 (developers.google.com/youtube/v3/docs) -------------------------------------
    def _youtube(self, resource: str, query: dict[str, str]) -> Answer:
        if not query.get("key", "").startswith(TOKEN_PREFIX):
            return _error(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                          "errors": [{"message": "API key not valid. Please pass a valid API key.",
                                                      "domain": "global", "reason": "badRequest"}]}})
        now = self.now()
        if resource == "channels":
            account = (self._account("youtube", platform_id=query["id"]) if query.get("id") else
                       self._account("youtube", handle=query.get("forHandle", "")))
            items = [] if account is None else [{
                "kind": "youtube#channel", "id": account.platform_id,
                "snippet": {"title": account.owner_name or account.handle, "customUrl": f"@{account.handle}"},
                "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": f"UU{account.platform_id}"}},
                "statistics": {"viewCount": "0", "hiddenSubscriberCount": False,
                               "subscriberCount": str(followers_on(account, now.date(), seed=self.seed)),
                               "videoCount": str(len(self._posts(account, now)))}}]
            return 200, {}, {"kind": "youtube#channelListResponse", "items": items,
                             "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}}
        if resource == "playlistItems":
            account = self._account("youtube", platform_id=query.get("playlistId", "")[2:])
            if account is None:
                return _error(404, {"error": {"code": 404, "message": "The playlist identified with the request's "
                                              "playlistId parameter cannot be found.", "errors": [
                                                  {"domain": "youtube.playlistItem", "reason": "playlistNotFound"}]}})
            page, token = self._page(self._posts(account, now), query.get("pageToken"),
                                     int(query.get("maxResults") or 5))
            out: dict[str, Any] = {"kind": "youtube#playlistItemListResponse",
                                   "items": [{"kind": "youtube#playlistItem", "contentDetails": {
                                       "videoId": p.post_id, "videoPublishedAt": _iso(p.published_at)}} for p in page],
                                   "pageInfo": {"totalResults": len(self._posts(account, now)), "resultsPerPage": 50}}
            if token:
                out["nextPageToken"] = token
            return 200, {}, out
        if resource == "videos":
            wanted = set(query.get("id", "").split(","))
            videos = []
            for account in (a for a in self._demo_accounts() if a.platform == "youtube"):
                videos += [{"kind": "youtube#video", "id": p.post_id,
                            "snippet": {"publishedAt": _iso(p.published_at), "title": p.text,
                                        "channelId": account.platform_id},
                            "statistics": {"viewCount": str(p.views or 0), "likeCount": str(p.likes or 0),
                                           "commentCount": str(p.comments or 0), "favoriteCount": "0"},
                            "contentDetails": {"duration": "PT2M30S"}}
                           for p in self._posts(account, now) if p.post_id in wanted]
            return 200, {}, {"kind": "youtube#videoListResponse", "items": videos}
        if resource == "subscriptions":
            return _error(403, {"error": {"code": 403, "message": "The requester is not allowed to access the "
                                          "requested subscriptions.", "errors": [{
                                              "domain": "youtube.subscription", "reason": "subscriptionForbidden"}]}})
        return _error(404, {"error": {"code": 404, "message": f"no resource {resource}"}})

    # --- TikTok (developers.tiktok.com/doc) --------------------------------------------------------------
    def _tiktok(self, method: str, route: str, headers: dict[str, str], body: bytes) -> Answer:
        ok = {"code": "ok", "message": "", "log_id": "demo"}
        if route == "/v2/oauth/token/":
            form = dict(parse_qsl(body.decode(errors="replace")))
            token = form.get("refresh_token", "")
            if not token.startswith(TOKEN_PREFIX) or not token.endswith("-refresh"):
                return _error(400, {"error": "invalid_grant", "error_description": "Refresh token is invalid or "
                                    "expired.", "log_id": "demo"})
            access = token.removesuffix("-refresh")
            return 200, {}, {"access_token": access, "expires_in": 86400, "open_id": "", "refresh_expires_in":
                             31536000, "refresh_token": token, "scope": "user.info.basic,user.info.stats,video.list",
                             "token_type": "Bearer"}
        left, _reset = self._count("tiktok", 60, TIKTOK_PER_MINUTE)
        if left < 0:
            return _error(429, {"data": {}, "error": {**ok, "code": "rate_limit_exceeded",
                                                      "message": "API rate limit exceeded"}})
        auth = headers.get("authorization", "").removeprefix("Bearer ")
        pk = auth.removeprefix(f"{TOKEN_PREFIX}tiktok-")
        account = self._account("tiktok", pk=int(pk)) if auth.startswith(TOKEN_PREFIX) and pk.isdigit() else None
        if account is None:
            return _error(401, {"data": {}, "error": {**ok, "code": "access_token_invalid",
                                                      "message": "The access token is invalid or not found."}})
        now = self.now()
        posts = self._posts(account, now)
        if route == "/v2/user/info/" and method == "GET":
            return 200, {}, {"data": {"user": {
                "open_id": account.platform_id, "union_id": account.platform_id, "username": account.handle,
                "follower_count": followers_on(account, now.date(), seed=self.seed), "following_count": 0,
                "video_count": len(posts), "likes_count": sum(p.likes or 0 for p in posts)}}, "error": ok}
        if route == "/v2/video/list/" and method == "POST":
            asked = json.loads(body or b"{}")
            before = int(asked.get("cursor") or 0)
            older = [p for p in posts if not before or p.published_at.timestamp() * 1000 < before]
            page = older[:min(int(asked.get("max_count") or 10), 20)]
            cursor = int(page[-1].published_at.timestamp() * 1000) if page else before
            return 200, {}, {"data": {"videos": [{
                "id": p.post_id, "create_time": int(p.published_at.timestamp()), "title": p.text,
                "video_description": p.text, "share_url": f"https://www.tiktok.com/@{account.handle}/video/{p.post_id}",
                "like_count": p.likes or 0, "comment_count": p.comments or 0, "share_count": p.shares or 0,
                "view_count": p.views or 0} for p in page], "cursor": cursor, "has_more": len(older) > len(page)},
                "error": ok}
        return _error(404, {"data": {}, "error": {**ok, "code": "invalid_params", "message": "unknown endpoint"}})


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_server(replay: Replay, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server answering with `replay` (port 0: a free one; see `server.server_port`)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, headers, answer = replay.answer(self.command, self.path,
                                                        {k.lower(): v for k, v in self.headers.items()}, body)
            finally:
                close_old_connections()  # only when the accounts were read here
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return ThreadingHTTPServer((host, port), Handler)
