"""Posting through the platforms' own clients, the same SDKs and the same client set-up as the collectors
(embassy.social.collectors: tweepy for X, the Graph API over HTTPS for Facebook and Instagram, Mastodon.py,
atproto), pointed at the same API roots (a demo account: the replay server).

Each `publish_*` raises `Refused` when the platform refused the post for good (bad request, forbidden, refused
token: a person must act), `Retry` when it may work later (rate limit, 5xx, network); `Retry.uncertain` says the
request may have reached the platform (a timeout after sending), so the next try first asks the platform whether
the post exists (`find_*`), where the platform allows it:

| platform | a retry cannot post twice because |
|---|---|
| Mastodon | the `Idempotency-Key` header: the instance answers the first status again for an hour |
| Bluesky | the record key is chosen here once (a TID kept on the target) and looked up before a retry |
| Instagram | the media container is created once and kept; its `status_code` says whether it was published |
| X | no idempotency key: the account's newest posts are read (billed) and a post with the same text is adopted |
| Facebook | no idempotency key: the Page's newest posts are read and a post with the same message is adopted |
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import requests
import tweepy
from django.conf import settings

from embassy.social.collectors import AuthRefused, CollectorError, Context, RateLimited
from embassy.social.collectors import graph as graph_collector
from embassy.social.collectors import x as x_collector
from embassy.social.models import Account

TIMEOUT = 30


class PublishError(Exception):
    pass


class Refused(PublishError):
    """The platform refused this post; trying again will not help."""


class Retry(PublishError):
    def __init__(self, message: str, *, retry_after: float | None = None, uncertain: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.uncertain = uncertain


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str
    alt_text: str
    url: str  # where the platform can fetch it (Instagram and Facebook take a public URL)


@dataclass(frozen=True)
class Post:
    text: str
    images: list[Image]
    in_reply_to: str
    key: str  # the target's idempotency key
    state: dict[str, Any]  # kept between tries (container ids, record keys); the caller saves it


@dataclass(frozen=True)
class Published:
    post_id: str
    url: str


def base_url(account: Account) -> str:
    """Where the platform's API is: as the collectors' pulls (a demo account: the replay server)."""
    if account.demo and settings.SOCIAL_REPLAY_URL and account.platform not in ("mastodon", "bluesky"):
        return str(settings.SOCIAL_REPLAY_URL)
    return str(settings.SOCIAL_API_BASE.get(account.platform, ""))


def _same(a: str, b: str) -> bool:
    """Texts equal once links (which X rewrites to t.co) and spacing are set aside."""
    def norm(s: str) -> str:
        return " ".join(re.sub(r"https?://\S+", "", s).split())
    return norm(a) == norm(b)


# --- X ---------------------------------------------------------------------------------------------------------
def _x_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except tweepy.TooManyRequests as exc:
        raise Retry("X rate limit", retry_after=max(float(exc.reset_time or 0) - time.time(), 60)) from exc
    except (tweepy.Unauthorized, tweepy.Forbidden, tweepy.BadRequest, tweepy.NotFound) as exc:
        raise Refused(f"X refused the post: {exc}") from exc
    except tweepy.TwitterServerError as exc:
        raise Retry(f"X: {exc}") from exc
    except (requests.ConnectTimeout, requests.exceptions.InvalidURL) as exc:
        raise Retry(f"X: {type(exc).__name__}") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise Retry(f"X: {type(exc).__name__}: the post may have gone out", uncertain=True) from exc
    except tweepy.TweepyException as exc:
        raise Retry(f"X: {exc}") from exc


def _x_client(account: Account, credentials: dict[str, str]) -> tuple[tweepy.Client, Any, str]:
    # Posting needs a user-context token (OAuth 2.0 with tweet.write): `access_token`, else the bearer token.
    token = credentials.get("access_token") or credentials.get("bearer_token") or ""
    if not token:
        raise Refused("X: no token: connect the account with a user access token first")
    root = base_url(account) or "https://api.x.com"
    ctx = Context(account=account, credentials={"bearer_token": token}, base_url=root)
    client, session = x_collector._client(ctx)
    return client, session, root.rstrip("/")


def publish_x(account: Account, credentials: dict[str, str], post: Post) -> Published:
    client, session, root = _x_client(account, credentials)
    media_ids = []
    for image in post.images:
        answer = _x_call(session.post, f"{root}/2/media/upload", timeout=TIMEOUT,
                         files={"media": ("image", image.data, image.content_type)},
                         data={"media_category": "tweet_image"})
        if answer.status_code >= 400:
            raise (Retry if answer.status_code >= 500 else Refused)(f"X media upload: HTTP {answer.status_code}")
        media_id = str((answer.json().get("data") or {}).get("id") or "")
        _x_call(session.post, f"{root}/2/media/metadata", timeout=TIMEOUT,
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text}}})
        media_ids.append(media_id)
    found = _x_call(client.create_tweet, text=post.text, in_reply_to_tweet_id=post.in_reply_to or None,
                    media_ids=media_ids or None, user_auth=False)
    tweet_id = str((found.get("data") or {}).get("id") or "")
    if not tweet_id:
        raise Retry("X: the answer has no post id", uncertain=True)
    return Published(tweet_id, f"https://x.com/{account.handle}/status/{tweet_id}")


def find_x(account: Account, credentials: dict[str, str], post: Post, since: dt.datetime) -> Published | None:
    client, _session, _root = _x_client(account, credentials)
    if not account.platform_id:
        return None
    page = _x_call(client.get_users_tweets, account.platform_id, max_results=10, tweet_fields=["created_at"],
                   start_time=since - dt.timedelta(minutes=2))
    for tweet in page.get("data") or []:
        if _same(str(tweet.get("text") or ""), post.text):
            return Published(str(tweet["id"]), f"https://x.com/{account.handle}/status/{tweet['id']}")
    return None


# --- Facebook and Instagram (Graph API) -------------------------------------------------------------------------
def _graph(account: Account, credentials: dict[str, str], method: str, path: str, **params: Any) -> dict[str, Any]:
    """One Graph call, with the collectors' error reading (their `_get` for GET)."""
    ctx = Context(account=account, credentials=credentials, base_url=base_url(account))
    try:
        if method == "GET":
            return graph_collector._get(ctx, path, **params)
        token = credentials.get("access_token")
        if not token:
            raise AuthRefused(f"{account.platform}: no Page access token: connect the account first")
        root = (ctx.base_url or "https://graph.facebook.com").rstrip("/")
        response = requests.post(f"{root}/{graph_collector.GRAPH_VERSION}/{path}", data=params, timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {token}"})
    except RateLimited as exc:
        raise Retry(str(exc), retry_after=exc.retry_after) from exc
    except AuthRefused as exc:
        raise Refused(str(exc)) from exc
    except CollectorError as exc:
        raise Retry(str(exc)) from exc
    except requests.ConnectTimeout as exc:
        raise Retry(f"{account.platform}: {type(exc).__name__}") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise Retry(f"{account.platform}: {type(exc).__name__}: the post may have gone out", uncertain=True) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code >= 500:
        raise Retry(f"{account.get_platform_display()}: HTTP {response.status_code}", uncertain=True)
    if response.status_code >= 400 or error:
        error = error if isinstance(error, dict) else {}
        message = str(error.get("message") or f"HTTP {response.status_code}")
        if response.status_code == 429 or error.get("code") in graph_collector.THROTTLED:
            raise Retry(f"{account.get_platform_display()} rate limit: {message}", retry_after=600)
        raise Refused(f"{account.get_platform_display()} refused the post: {message}")
    return body if isinstance(body, dict) else {}


def publish_facebook(account: Account, credentials: dict[str, str], post: Post) -> Published:
    page = account.platform_id or account.handle
    if post.in_reply_to:  # a reply is a comment on the post
        made = _graph(account, credentials, "POST", f"{post.in_reply_to}/comments", message=post.text)
        return Published(str(made.get("id") or ""), "")
    attached = []
    for image in post.images:  # unpublished photos, then one post that carries them
        photo = _graph(account, credentials, "POST", f"{page}/photos", url=image.url, published="false",
                       alt_text_custom=image.alt_text)
        attached.append({"media_fbid": str(photo.get("id") or "")})
    params: dict[str, Any] = {"message": post.text}
    for i, media in enumerate(attached):
        params[f"attached_media[{i}]"] = f'{{"media_fbid":"{media["media_fbid"]}"}}'
    made = _graph(account, credentials, "POST", f"{page}/feed", **params)
    post_id = str(made.get("id") or "")
    return Published(post_id, f"https://www.facebook.com/{post_id}")


def find_facebook(account: Account, credentials: dict[str, str], post: Post, since: dt.datetime) -> Published | None:
    page = _graph(account, credentials, "GET", f"{account.platform_id}/posts", fields="id,message,created_time",
                  limit=10)
    for item in page.get("data") or []:
        if _same(str(item.get("message") or ""), post.text):
            return Published(str(item["id"]), f"https://www.facebook.com/{item['id']}")
    return None


def publish_instagram(account: Account, credentials: dict[str, str], post: Post) -> Published:
    """A media container (a carousel for several images), kept in `post.state`, then media_publish."""
    user = account.platform_id
    if not post.images:
        raise Refused("Instagram needs an image")
    if "container" not in post.state:
        if len(post.images) == 1:
            image = post.images[0]
            made = _graph(account, credentials, "POST", f"{user}/media", image_url=image.url, caption=post.text,
                          alt_text=image.alt_text)
        else:
            children = [str(_graph(account, credentials, "POST", f"{user}/media", image_url=i.url,
                                   is_carousel_item="true", alt_text=i.alt_text).get("id") or "")
                        for i in post.images]
            made = _graph(account, credentials, "POST", f"{user}/media", media_type="CAROUSEL",
                          children=",".join(children), caption=post.text)
        post.state["container"] = str(made.get("id") or "")
    done = _graph(account, credentials, "POST", f"{user}/media_publish", creation_id=post.state["container"])
    media_id = str(done.get("id") or "")
    return Published(media_id, f"https://www.instagram.com/p/{media_id}/")


def find_instagram(account: Account, credentials: dict[str, str], post: Post, since: dt.datetime) -> Published | None:
    container = post.state.get("container")
    if not container:
        return None
    status = _graph(account, credentials, "GET", container, fields="status_code")
    if status.get("status_code") != "PUBLISHED":
        return None
    page = _graph(account, credentials, "GET", f"{account.platform_id}/media", fields="id,caption", limit=10)
    for item in page.get("data") or []:
        if _same(str(item.get("caption") or ""), post.text):
            return Published(str(item["id"]), f"https://www.instagram.com/p/{item['id']}/")
    return None


# --- Mastodon ----------------------------------------------------------------------------------------------------
def publish_mastodon(account: Account, credentials: dict[str, str], post: Post) -> Published:
    from mastodon import MastodonError, MastodonNetworkError, MastodonRatelimitError, MastodonServerError

    from embassy.social.collectors import mastodon as mastodon_collector

    if not credentials.get("access_token"):
        raise Refused("Mastodon: posting needs the account's access token")
    ctx = Context(account=account, credentials=credentials, base_url=str(settings.SOCIAL_API_BASE.get("mastodon", "")))
    api = mastodon_collector._client(ctx)
    try:
        media = [api.media_post(i.data, mime_type=i.content_type, description=i.alt_text) for i in post.images]
        status = api.status_post(post.text, in_reply_to_id=post.in_reply_to or None, media_ids=media or None,
                                 idempotency_key=post.key)
    except MastodonRatelimitError as exc:
        raise Retry(f"Mastodon rate limit: {exc}", retry_after=300) from exc
    except (MastodonNetworkError, MastodonServerError) as exc:
        raise Retry(f"Mastodon: {exc}", uncertain=True) from exc  # the same key makes the retry safe
    except MastodonError as exc:
        raise Refused(f"Mastodon refused the post: {exc}") from exc
    return Published(str(status["id"]), str(status.get("url") or status.get("uri") or ""))


# --- Bluesky -----------------------------------------------------------------------------------------------------
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


def tid(now_us: int | None = None) -> str:
    """An AT Protocol record key (TID): 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = ((now_us or time.time_ns() // 1000) << 10) | random.randrange(1024)  # noqa: S311 - not a secret
    return "".join(_TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def publish_bluesky(account: Account, credentials: dict[str, str], post: Post) -> Published:
    from atproto import Client
    from atproto_client.exceptions import AtProtocolError, NetworkError, RequestException, UnauthorizedError

    if not credentials.get("app_password"):
        raise Refused("Bluesky: posting needs an app password")
    client = Client(base_url=str(settings.SOCIAL_API_BASE.get("bluesky", "")) or None)
    rkey = post.state.setdefault("rkey", tid())
    try:
        client.login(account.handle, credentials["app_password"], fetch_bsky_profile=False)
        did = client.com.atproto.server.get_session().did
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post.text,
                                  "createdAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
        if post.images:
            blobs = [client.upload_blob(i.data).blob for i in post.images]
            record["embed"] = {"$type": "app.bsky.embed.images", "images": [
                {"alt": i.alt_text, "image": b.model_dump(by_alias=True)} for i, b in zip(post.images, blobs, strict=True)]}
        if post.in_reply_to:
            parent = client.app.bsky.feed.get_posts({"uris": [post.in_reply_to]}).posts[0]
            root = getattr(parent.record, "reply", None)
            ref = {"uri": parent.uri, "cid": parent.cid}
            record["reply"] = {"parent": ref, "root": {"uri": root.root.uri, "cid": root.root.cid} if root else ref}
        made = client.com.atproto.repo.create_record({"repo": did, "collection": "app.bsky.feed.post",
                                                      "rkey": rkey, "record": record})
    except UnauthorizedError as exc:
        raise Refused(f"Bluesky refused the credentials: {exc}") from exc
    except NetworkError as exc:
        raise Retry(f"Bluesky: {exc}", uncertain=True) from exc
    except RequestException as exc:
        status = getattr(getattr(exc, "response", None), "status_code", 500)
        raise (Retry if status >= 500 or status == 429 else Refused)(f"Bluesky: {exc}") from exc
    except (AtProtocolError, IndexError) as exc:
        raise Refused(f"Bluesky refused the post: {exc}") from exc
    return Published(str(made.uri), f"https://bsky.app/profile/{account.handle}/post/{rkey}")


def find_bluesky(account: Account, credentials: dict[str, str], post: Post, since: dt.datetime) -> Published | None:
    from atproto import Client
    from atproto_client.exceptions import AtProtocolError

    rkey = post.state.get("rkey")
    if not rkey:
        return None
    client = Client(base_url=str(settings.SOCIAL_API_BASE.get("bluesky", "")) or None)
    try:
        found = client.com.atproto.repo.get_record({"repo": account.platform_id or account.handle,
                                                    "collection": "app.bsky.feed.post", "rkey": rkey})
    except AtProtocolError:
        return None
    return Published(str(found.uri), f"https://bsky.app/profile/{account.handle}/post/{rkey}")


PUBLISH = {"x": publish_x, "facebook": publish_facebook, "instagram": publish_instagram,
           "mastodon": publish_mastodon, "bluesky": publish_bluesky}
FIND = {"x": find_x, "facebook": find_facebook, "instagram": find_instagram, "bluesky": find_bluesky}
