"""Publishing on the demo's replay server (embassy.social.replay): the publish calls for demo accounts, answered
as the platforms answer them, and the published post added to what the server returns for the account's
timeline afterwards, with numbers that grow from the moment it went out, so that "pull now" shows it.

X: POST /2/tweets, /2/media/upload, /2/media/metadata (the token "demo-x-<account id>" says whose it is, as a
user token does). Graph: POST /{page-id}/feed, /{page-id}/photos, /{post-id}/comments, /{ig-user-id}/media,
/{ig-user-id}/media_publish, and GET /{container-id}?fields=status_code. A text containing "#demo-refuse" is
refused (403 on X, error 200 "permissions" on Graph), to show what a refused publish looks like.
Posts live in the replay process's memory: a restarted replay server forgets them (the archive does not).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from urllib.parse import parse_qsl, urlsplit

from embassy.social.collectors import PostItem
from embassy.social.demo import TOKEN_PREFIX
from embassy.social.models import Account
from embassy.social.replay import GRAPH, Answer, Replay

REFUSE = "#demo-refuse"
_ids = itertools.count(int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000) << 20)


def _store(replay: Replay) -> dict[int, list[PostItem]]:
    store: dict[int, list[PostItem]] = replay.__dict__.setdefault("published_posts", {})
    return store


def _grown(post: PostItem, now: dt.datetime) -> PostItem:
    """The post's numbers now: a few at once, growing over its first day."""
    minutes = max((now - post.published_at).total_seconds() / 60, 0)
    likes = 3 + int(40 * math.log1p(minutes / 10))
    return PostItem(post_id=post.post_id, published_at=post.published_at, kind=post.kind, is_reply=post.is_reply,
                    in_reply_to=post.in_reply_to, text=post.text, likes=likes, comments=1 + likes // 8,
                    shares=likes // 5, views=likes * 30)


def _add(replay: Replay, account: Account, text: str, *, kind: str = "text", reply_to: str = "",
         post_id: str = "") -> PostItem:
    post = PostItem(post_id=post_id or str(next(_ids)), published_at=replay.now().replace(microsecond=0),
                    kind=kind, is_reply=bool(reply_to), in_reply_to=reply_to, text=text)
    with replay._lock:
        _store(replay).setdefault(account.pk, []).insert(0, post)
    return post


def _published(replay: Replay, account: Account) -> list[PostItem]:
    with replay._lock:
        posts = list(_store(replay).get(account.pk, []))
    now = replay.now()
    return [_grown(p, now) for p in posts if p.published_at <= now]


def _x_account(replay: Replay, headers: dict[str, str]) -> Account | None:
    token = headers.get("authorization", "").removeprefix("Bearer ")
    pk = token.removeprefix(f"{TOKEN_PREFIX}x-")
    return replay._account("x", pk=int(pk)) if token.startswith(TOKEN_PREFIX) and pk.isdigit() else None


def _x(replay: Replay, method: str, route: str, query: dict[str, str], headers: dict[str, str],
       body: bytes) -> Answer | None:
    if method == "POST" and route in ("/2/tweets", "/2/media/upload", "/2/media/metadata"):
        account = _x_account(replay, headers)
        if account is None:
            return 401, {}, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        if route == "/2/media/upload":
            return 200, {}, {"data": {"id": str(next(_ids)), "media_key": f"3_{next(_ids)}", "expires_after_secs": 86400}}
        if route == "/2/media/metadata":
            return 200, {}, {"data": {"associated_metadata": True}}
        asked = json.loads(body or b"{}")
        text = str(asked.get("text") or "")
        if REFUSE in text:
            return 403, {}, {"title": "Forbidden", "type": "about:blank", "status": 403,
                             "detail": "You are not permitted to perform this action."}
        reply_to = str((asked.get("reply") or {}).get("in_reply_to_tweet_id") or "")
        media = (asked.get("media") or {}).get("media_ids") or []
        post = _add(replay, account, text, kind="image" if media else "text", reply_to=reply_to)
        return 201, {}, {"data": {"id": post.post_id, "text": text, "edit_history_tweet_ids": [post.post_id]}}
    parts = route.strip("/").split("/")
    if method == "GET" and len(parts) == 4 and parts[3] == "tweets" and not query.get("pagination_token"):
        account = replay._account("x", platform_id=parts[2])
        mine = _published(replay, account) if account else []
        if not mine:
            return None
        status, rate, answer = replay._x(method, route, query, headers)
        if status == 200 and isinstance(answer, dict):
            answer["data"] = [replay._tweet(p) for p in mine] + list(answer.get("data") or [])
        return status, rate, answer
    return None


def _graph_error(message: str, code: int = 200) -> Answer:
    return 400, {}, {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "demo"}}


def _graph(replay: Replay, method: str, path: str, query: dict[str, str], headers: dict[str, str],
           body: bytes) -> Answer | None:
    node, _, edge = path.partition("/")
    account = replay._account("facebook", platform_id=node) or replay._account("instagram", platform_id=node)
    if method == "GET":
        return _graph_get(replay, account, node, edge, path, query=query, headers=headers)
    return _graph_post(replay, account, node, edge, headers, body)


def _graph_get(replay: Replay, account: Account | None, node: str, edge: str, path: str, *,
               query: dict[str, str], headers: dict[str, str]) -> Answer | None:
    """The account's posts or media with the published ones first; a container's status."""
    if account is not None and not query.get("after") and edge in ("posts", "media"):
        mine = _published(replay, account)
        if not mine:
            return None
        status, usage, answer = replay._graph(path, query, headers, GRAPH + path)
        if status == 200 and isinstance(answer, dict):
            shape = replay._facebook_post if account.platform == "facebook" else replay._instagram_media
            answer["data"] = [shape(account, p) for p in mine] + list(answer.get("data") or [])
        return status, usage, answer
    if node.startswith("container-") and not edge:
        with replay._lock:
            done = node in replay.__dict__.setdefault("published_containers", {})
        return 200, {}, {"id": node, "status_code": "PUBLISHED" if done else "FINISHED"}
    return None


def _graph_post(replay: Replay, account: Account | None, node: str, edge: str,  # noqa: PLR0911 - one per edge
                headers: dict[str, str], body: bytes) -> Answer | None:
    if not headers.get("authorization", "").startswith(f"Bearer {TOKEN_PREFIX}"):
        return _graph_error("Invalid OAuth access token - Cannot parse access token", 190)
    form = dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
    if edge == "comments":
        return 200, {}, {"id": f"{node}_{next(_ids)}"}
    if account is None:
        return _graph_error(f"(#803) Some of the aliases you requested do not exist: {node}", 803)
    text = form.get("message") or form.get("caption") or ""
    if REFUSE in text:
        return _graph_error("(#200) The user hasn't authorized the application to perform this action")
    if account.platform == "facebook" and edge == "photos":
        return 200, {}, {"id": str(next(_ids))}
    if account.platform == "facebook" and edge == "feed":
        kind = "image" if any(k.startswith("attached_media") for k in form) else "text"
        post = _add(replay, account, text, kind=kind, post_id=f"{node}_{next(_ids)}")
        return 200, {}, {"id": post.post_id}
    if account.platform == "instagram" and edge == "media":
        if not form.get("image_url") and form.get("media_type") != "CAROUSEL":
            return _graph_error("(#100) The parameter image_url is required", 100)
        container = f"container-{next(_ids)}"
        with replay._lock:
            replay.__dict__.setdefault("containers", {})[container] = form.get("caption", "")
        return 200, {}, {"id": container}
    if account.platform == "instagram" and edge == "media_publish":
        container = form.get("creation_id", "")
        with replay._lock:
            caption = replay.__dict__.setdefault("containers", {}).get(container)
            published = replay.__dict__.setdefault("published_containers", {})
            again = container in published
        if caption is None or again:
            return _graph_error("(#9007) The media is not ready or was already published", 9007)
        post = _add(replay, account, caption, kind="image")
        with replay._lock:
            published[container] = post.post_id
        return 200, {}, {"id": post.post_id}
    return None


def answer(replay: Replay, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
    """The extension (embassy.social.replay.EXTENSIONS): None for what publishing does not answer."""
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if parts.path.startswith("/2/"):
        return _x(replay, method, parts.path, query, headers, body)
    if parts.path.startswith(GRAPH):
        return _graph(replay, method, parts.path[len(GRAPH):].strip("/"), query, headers, body)
    return None

