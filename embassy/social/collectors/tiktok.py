"""TikTok through its documented HTTP API v2 (open.tiktokapis.com) with `requests`: TikTok has no official Python
client for it (ADR 0019). The API root is SOCIAL_API_BASE["tiktok"].

The account is read with its user's OAuth access token (`credentials["access_token"]`, scopes user.info.basic,
user.info.profile, user.info.stats and video.list), which lasts 24 hours. Before it runs out the collector renews
it with the refresh token (365 days) and the app's client key and secret (POST /v2/oauth/token/,
grant_type=refresh_token: developers.tiktok.com/doc/oauth-user-access-token-management); the runner keeps the
new tokens. A token that cannot be renewed is answered `access_token_invalid` or `invalid_grant`, and the account
asks for reconnecting. Every answer carries an error object whose code is
"ok" on success (developers.tiktok.com/doc/tiktok-api-v2-error-handling). Rate limits are 600 requests a minute
per endpoint in a sliding window, answered HTTP 429 `rate_limit_exceeded`, with no header saying when
(/doc/tiktok-api-v2-rate-limit): a throttled pull waits a minute. The API lists no followed accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from django.conf import settings

from embassy.social.collectors import (
    AuthRefused,
    CollectorError,
    Context,
    Followed,
    PostItem,
    Profile,
    RateLimited,
    register,
)

PAGE = 20  # /v2/video/list/ returns at most 20 videos a page
USER_FIELDS = "open_id,union_id,username,follower_count,following_count,video_count,likes_count"
VIDEO_FIELDS = "id,create_time,title,video_description,share_url,like_count,comment_count,share_count,view_count"
RENEW_BEFORE = dt.timedelta(minutes=10)
REFUSED = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}


def _root(ctx: Context) -> str:
    return (ctx.base_url or settings.SOCIAL_API_BASE.get("tiktok") or "https://open.tiktokapis.com").rstrip("/")


def _renew(ctx: Context) -> None:
    """Renew the access token when it has run out or will within RENEW_BEFORE, if the refresh token allows."""
    expires, now = ctx.account.token_expires_at, dt.datetime.now(dt.UTC)
    creds = ctx.credentials
    if ctx.renewed or expires is None or expires - now > RENEW_BEFORE:
        return
    if not all(creds.get(k) for k in ("refresh_token", "client_key", "client_secret")):
        return  # nothing to renew with: the call says whether the token still works
    try:
        response = requests.post(f"{_root(ctx)}/v2/oauth/token/", timeout=30, data={
            "client_key": creds["client_key"], "client_secret": creds["client_secret"],
            "grant_type": "refresh_token", "refresh_token": creds["refresh_token"]})
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise CollectorError(f"TikTok: renewing the token failed ({type(exc).__name__})") from exc
    if not isinstance(answer, dict) or not answer.get("access_token"):
        error = answer.get("error", "") if isinstance(answer, dict) else ""
        detail = answer.get("error_description", "") if isinstance(answer, dict) else ""
        raise AuthRefused(f"TikTok refused to renew the token: {error} {detail}".strip())
    fresh = {"access_token": str(answer["access_token"]), "refresh_token": str(answer.get("refresh_token") or "")}
    creds.update({k: v for k, v in fresh.items() if v})
    ctx.renewed = {
        "credentials": fresh, "expires_at": now + dt.timedelta(seconds=int(answer.get("expires_in") or 86400)),
        "refresh_expires_at": now + dt.timedelta(seconds=int(answer.get("refresh_expires_in") or 365 * 86400))}


def _call(ctx: Context, method: str, path: str, *, fields: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _renew(ctx)
    token = ctx.credentials.get("access_token")
    if not token:
        raise AuthRefused("TikTok: no access token: connect the account first")
    try:
        response = requests.request(method, f"{_root(ctx)}{path}", params={"fields": fields}, json=body, timeout=30,
                                    headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        raise CollectorError(f"TikTok: {type(exc).__name__}") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = None
    error = (answer.get("error") if isinstance(answer, dict) else None) or {}
    code = str(error.get("code") or "") if isinstance(error, dict) else ""
    if response.status_code == 429 or code == "rate_limit_exceeded":
        raise RateLimited("TikTok rate limit (600 requests a minute)", retry_after=60)
    if code in REFUSED:
        raise AuthRefused(f"TikTok refused the token: {code}: {error.get('message') or ''}".rstrip(": "))
    if response.status_code >= 400 or (code and code != "ok"):
        detail = f"{code}: {error.get('message') or ''} (log_id {error.get('log_id') or '-'})" if code else \
            f"HTTP {response.status_code}"
        raise CollectorError(f"TikTok: {detail}")
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), dict):
        raise CollectorError("TikTok: the answer has no data object")
    data: dict[str, Any] = answer["data"]
    return data


def _count(item: dict[str, Any], name: str) -> int | None:
    value = item.get(name)
    return None if value is None else int(value)


def _video(video: dict[str, Any], handle: str) -> PostItem:
    try:
        vid = str(video["id"])
        return PostItem(
            post_id=vid, published_at=dt.datetime.fromtimestamp(int(video["create_time"]), tz=dt.UTC), kind="video",
            text=str(video.get("video_description") or video.get("title") or ""),
            url=str(video.get("share_url") or f"https://www.tiktok.com/@{handle}/video/{vid}"),
            likes=_count(video, "like_count"), comments=_count(video, "comment_count"),
            shares=_count(video, "share_count"), views=_count(video, "view_count"))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise CollectorError(f"TikTok: video {video.get('id')} is malformed ({exc!r})") from exc


def _handle(ctx: Context) -> str:
    return ctx.account.handle.lstrip("@")


class TikTokCollector:
    platform = "tiktok"
    price_profile = price_post = price_follow = 0.0  # reading is free
    page_size, follow_page_size = PAGE, PAGE

    def profile(self, ctx: Context) -> Profile:
        data = _call(ctx, "GET", "/v2/user/info/", fields=USER_FIELDS)
        try:
            user = data["user"]
            username = str(user.get("username") or "")
            if username and username.lower() != _handle(ctx).lower():
                # The token is the person's who authorised it: a token of another account would file its
                # numbers under this one.
                raise AuthRefused(f"TikTok: the token is @{username}'s, not @{_handle(ctx)}'s")
            return Profile(platform_id=str(user["open_id"]), followers=_count(user, "follower_count"),
                           following=_count(user, "following_count"), posts=_count(user, "video_count"))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectorError(f"TikTok: the profile is malformed ({exc!r})") from exc

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        body: dict[str, Any] = {"max_count": PAGE}
        if token:
            body["cursor"] = int(token)  # a UTC timestamp in milliseconds: the videos posted before it
        data = _call(ctx, "POST", "/v2/video/list/", fields=VIDEO_FIELDS, body=body)
        videos = data.get("videos") or []
        if not isinstance(videos, list):
            raise CollectorError("TikTok: the video list is malformed")
        posts = [_video(v, _handle(ctx)) for v in videos]
        more = bool(data.get("has_more")) and data.get("cursor") is not None and bool(posts)
        return posts, (str(data["cursor"]) if more else None)

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        return [], None  # the API offers no list of followed accounts


register("tiktok")(TikTokCollector)
