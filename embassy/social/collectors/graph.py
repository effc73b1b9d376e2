"""Facebook Pages and Instagram professional accounts through Meta's Graph API, version v24.0 (GRAPH_VERSION),
with `requests`: Meta has no official Python SDK for it (ADR 0019). The API root is SOCIAL_API_BASE["graph"].

Both are read with a Page access token (`credentials["access_token"]`, sent in the Authorization header so it
never appears in a URL or an error message). An Instagram account is read as the IG user linked to the Page:
its id is the account's platform_id, or else the Page's `instagram_business_account` (with a Page token, /me
is the Page).

Metrics, and Meta's deprecations that shaped them:
- Facebook followers are the Page's `followers_count`. The Page's likes (`fan_count`, and `page_fans` in Page
  Insights) are the classic Pages' measure: `page_fans` was deprecated on 15 November 2025 for `page_follows`,
  and Page and post `impressions` for `views` (developers.facebook.com/blog/post/2025/08/15/page-insights-api-updates/),
  so likes are not read at all. Instagram media `impressions` gave way to `views` in April 2025 (Graph API v22.0).
- Views per post or media exist only as insights metrics (`views` for Instagram media, the `*_media_view`
  metrics for Page posts), one /insights call per post: not read, so `views` stays None rather than costing a
  call per post. No insights metric is requested; one added later must use only the new names.
- Neither API lists whom a Page or an IG user follows: `following` is always empty.

Rate limits: the X-App-Usage and X-Business-Use-Case-Usage headers give the percentage of the limit used; error
codes 4, 17, 32, 613 (or HTTP 429) mean throttled, with `estimated_time_to_regain_access` in minutes; code 190
is an invalid or expired token (developers.facebook.com/docs/graph-api/overview/rate-limiting,
/docs/graph-api/guides/error-handling)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
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

GRAPH_VERSION = "v24.0"
PAGE = 100
THROTTLED = {4, 17, 32, 613, 80001, 80002}  # 80001/80002: Pages / Instagram business use case limits
TOKEN_INVALID = 190
FB_POST_FIELDS = ("id,created_time,message,permalink_url,attachments{media_type},shares,"
                  "comments.summary(true).limit(0),reactions.summary(true).limit(0)")
IG_MEDIA_FIELDS = "id,caption,media_type,media_product_type,timestamp,permalink,like_count,comments_count"


def _usage(headers: Mapping[str, str]) -> tuple[float | None, float]:
    """(the highest percentage used of any limit, the minutes until access is regained) from the usage headers."""
    used: list[float] = []
    wait = 0.0
    for name in ("x-app-usage", "x-business-use-case-usage"):
        try:
            data = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        # X-App-Usage is one object; X-Business-Use-Case-Usage maps each business id to a list of objects.
        entries = [data] if name == "x-app-usage" else [e for v in (data or {}).values() for e in v]
        for entry in entries:
            if isinstance(entry, dict):
                used += [float(entry.get(k) or 0) for k in ("call_count", "total_cputime", "total_time")]
                wait = max(wait, float(entry.get("estimated_time_to_regain_access") or 0))
    return (max(used) if used else None), wait


def _get(ctx: Context, path: str, **params: Any) -> dict[str, Any]:
    token = ctx.credentials.get("access_token")
    if not token:
        raise AuthRefused(f"{ctx.account.platform}: no Page access token: connect the account first")
    root = (ctx.base_url or settings.SOCIAL_API_BASE.get("graph") or "https://graph.facebook.com").rstrip("/")
    name = ctx.account.get_platform_display()
    try:
        response = requests.get(f"{root}/{GRAPH_VERSION}/{path}", params=params, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
    except requests.RequestException as exc:
        raise CollectorError(f"{name}: {type(exc).__name__}") from exc
    used, wait = _usage(response.headers)
    if used is not None:
        ctx.quota = {"remaining": max(round(100 - used), 0), "limit": 100, "unit": "% of the rate limit",
                     "used_percent": used}
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code >= 400 or error:
        error = error if isinstance(error, dict) else {}
        code, message = error.get("code"), str(error.get("message") or f"HTTP {response.status_code}")
        if response.status_code == 429 or code in THROTTLED:
            raise RateLimited(f"{name} rate limit: {message}", retry_after=max(wait * 60, 60))
        if code == TOKEN_INVALID:
            raise AuthRefused(f"{name} refused the token: {message}")
        raise CollectorError(f"{name}: {message}")
    if not isinstance(body, dict):
        raise CollectorError(f"{name}: the answer is not a JSON object")
    return body


def _after(page: dict[str, Any]) -> str | None:
    """The next (older) page's cursor: only while the API gives a `next` link (the last page still has cursors)."""
    paging = page.get("paging") or {}
    after = (paging.get("cursors") or {}).get("after")
    return str(after) if paging.get("next") and after and page.get("data") else None


def _when(value: Any) -> dt.datetime:
    return dt.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z").astimezone(dt.UTC)  # "…+0000", as Graph writes it


def _total(edge: Any) -> int | None:
    summary = (edge or {}).get("summary") if isinstance(edge, dict) else None
    return int(summary["total_count"]) if summary and summary.get("total_count") is not None else None


def _facebook_kind(post: dict[str, Any]) -> str:
    types = {str(a.get("media_type") or "").lower() for a in (post.get("attachments") or {}).get("data") or []}
    if "video" in types:
        return "video"
    if types & {"photo", "album"}:
        return "image"
    return "link" if types & {"link", "share"} else "text"


def _facebook_post(post: dict[str, Any]) -> PostItem:
    try:
        return PostItem(post_id=str(post["id"]), published_at=_when(post["created_time"]), kind=_facebook_kind(post),
                        text=str(post.get("message") or ""), url=str(post.get("permalink_url") or ""),
                        likes=_total(post.get("reactions")), comments=_total(post.get("comments")),
                        shares=int((post.get("shares") or {}).get("count") or 0))  # absent when never shared
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"Facebook: post {post.get('id')} is malformed ({exc!r})") from exc


def _instagram_post(media: dict[str, Any]) -> PostItem:
    try:
        video = media.get("media_type") in {"VIDEO", "REELS"} or media.get("media_product_type") == "REELS"
        likes = media.get("like_count")
        return PostItem(post_id=str(media["id"]), published_at=_when(media["timestamp"]),
                        kind="video" if video else "image", text=str(media.get("caption") or ""),
                        url=str(media.get("permalink") or ""), likes=None if likes is None else int(likes),
                        comments=int(media["comments_count"]) if media.get("comments_count") is not None else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"Instagram: media {media.get('id')} is malformed ({exc!r})") from exc


class _GraphCollector:
    price_profile = price_post = price_follow = 0.0  # reading is free
    page_size, follow_page_size = PAGE, PAGE

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        return [], None  # the Graph API lists no follows for a Page or an IG user


class FacebookCollector(_GraphCollector):
    platform = "facebook"

    def profile(self, ctx: Context) -> Profile:
        page = _get(ctx, ctx.account.platform_id or ctx.account.handle.lstrip("@"), fields="id,name,followers_count")
        try:
            followers = page.get("followers_count")
            return Profile(platform_id=str(page["id"]), followers=None if followers is None else int(followers))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectorError(f"Facebook: the Page is malformed ({exc!r})") from exc

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        if not ctx.account.platform_id:
            raise CollectorError("Facebook: the Page's id is not known yet (its profile was not read)")
        params: dict[str, Any] = {"fields": FB_POST_FIELDS, "limit": PAGE}
        if token:
            params["after"] = token
        page = _get(ctx, f"{ctx.account.platform_id}/posts", **params)
        return [_facebook_post(p) for p in page.get("data") or []], _after(page)


class InstagramCollector(_GraphCollector):
    platform = "instagram"

    def _user_id(self, ctx: Context) -> str:
        if ctx.account.platform_id:
            return ctx.account.platform_id
        linked = _get(ctx, "me", fields="instagram_business_account").get("instagram_business_account") or {}
        if not linked.get("id"):
            raise AuthRefused("Instagram: the token's Page has no linked Instagram professional account")
        return str(linked["id"])

    def profile(self, ctx: Context) -> Profile:
        user = _get(ctx, self._user_id(ctx), fields="id,username,followers_count,follows_count,media_count")
        handle, username = ctx.account.handle.lstrip("@").lower(), str(user.get("username") or "").lower()
        if username and username != handle:  # the Page's account is another one: its numbers are not this one's
            raise AuthRefused(f"Instagram: the token's account is @{username}, not @{handle}")
        try:
            return Profile(platform_id=str(user["id"]), followers=int(user["followers_count"]),
                           following=int(user["follows_count"]), posts=int(user["media_count"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectorError(f"Instagram: the profile is malformed ({exc!r})") from exc

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        params: dict[str, Any] = {"fields": IG_MEDIA_FIELDS, "limit": PAGE}
        if token:
            params["after"] = token
        page = _get(ctx, f"{self._user_id(ctx)}/media", **params)
        return [_instagram_post(m) for m in page.get("data") or []], _after(page)


register("facebook")(FacebookCollector)
register("instagram")(InstagramCollector)
