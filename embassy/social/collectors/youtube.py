"""YouTube through google-api-python-client (YouTube Data API v3; ADR 0019). Public channels, their uploads and
their public subscriptions need only the project's API key (`credentials["api_key"]`), no OAuth.

Quota: the project has 10,000 units a day, reset at midnight Pacific time, shared by every account
(SOCIAL_DAILY_UNITS; developers.google.com/youtube/v3/determine_quota_cost: every `list` costs 1 unit). Each
call is counted with `Context.spend_units` before it is made, so a pull stops, and waits for the reset,
rather than overspend; reading is otherwise free. A Short is not told apart from a video: the API has no field
that says so, and guessing from the duration would be wrong for long Shorts and short videos alike."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httplib2
from django.conf import settings
from django.utils import timezone
from googleapiclient.discovery import build
from googleapiclient.errors import Error as GoogleError
from googleapiclient.errors import HttpError

from embassy.social.budget import quota_day
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

PAGE = 50  # playlistItems.list, videos.list and subscriptions.list allow up to 50
UNITS_PER_LIST = 1
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
KEY_REASONS = {"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "accessNotConfigured",
               "SERVICE_DISABLED", "ipRefererBlocked", "API_KEY_HTTP_REFERRER_BLOCKED", "API_KEY_IP_ADDRESS_BLOCKED",
               "forbidden"}


def _reasons(exc: HttpError) -> set[str]:
    """The error's reasons, from both of Google's error shapes (`errors[].reason`, `details[].reason`)."""
    try:
        error = json.loads(exc.content or b"{}").get("error") or {}
        found = [e.get("reason") for e in error.get("errors") or []]
        found += [d.get("reason") for d in error.get("details") or []]
        return {str(r) for r in found if r}
    except (ValueError, AttributeError, TypeError):
        return set()


def _refused(exc: HttpError, now: dt.datetime) -> CollectorError:
    # str(exc) holds the request's URL, and with it the API key: never put it in a message that is stored.
    status, reasons = int(exc.resp.status), _reasons(exc)
    what = f"YouTube: HTTP {status} {', '.join(sorted(reasons)) or exc.reason}"
    if reasons & QUOTA_REASONS:
        wait = (quota_day("youtube", now)[1] - now).total_seconds()
        return RateLimited(f"{what}: the project's daily quota is spent", retry_after=max(wait, 60))
    if status == 429 or (status == 403 and reasons & RATE_REASONS):
        return RateLimited(f"{what}: too many requests", retry_after=60)
    if status == 401 or (status in {400, 403} and reasons & KEY_REASONS):
        return AuthRefused(f"{what}: the API key was refused")
    return CollectorError(what)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _when(value: Any) -> dt.datetime:
    when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _video(video: dict[str, Any]) -> PostItem:
    try:
        snippet, stats = video["snippet"], video.get("statistics") or {}
        return PostItem(post_id=str(video["id"]), published_at=_when(snippet["publishedAt"]), kind="video",
                        text=str(snippet.get("title") or ""), url=f"https://www.youtube.com/watch?v={video['id']}",
                        views=_int(stats.get("viewCount")), likes=_int(stats.get("likeCount")),  # hidden: absent
                        comments=_int(stats.get("commentCount")))
    except (KeyError, TypeError, ValueError) as exc:
        raise CollectorError(f"YouTube: video {video.get('id')} is malformed ({exc!r})") from exc


class YouTubeCollector:
    platform = "youtube"
    price_profile = price_post = price_follow = 0.0  # reading is free; the cost is quota units
    page_size, follow_page_size = PAGE, PAGE

    def __init__(self) -> None:
        self._api: Any = None
        self._uploads: str | None = None  # the channel's uploads playlist, read with its profile

    def _client(self, ctx: Context) -> Any:
        key = ctx.credentials.get("api_key")
        if not key:
            raise AuthRefused("YouTube: no API key: connect the account first")
        if self._api is None:
            root = (ctx.base_url or settings.SOCIAL_API_BASE.get("youtube") or "https://www.googleapis.com")
            # The discovery document's paths ("youtube/v3/...") are joined to the endpoint: it must end with "/".
            self._api = build("youtube", "v3", developerKey=key, static_discovery=True, cache_discovery=False,
                              client_options={"api_endpoint": root.rstrip("/") + "/"},
                              http=httplib2.Http(timeout=30))
        return self._api

    def _list(self, ctx: Context, request: Any) -> dict[str, Any]:
        now = timezone.now()
        reset = quota_day("youtube", now)[1]
        ctx.spend_units(UNITS_PER_LIST, resets_at=reset)
        try:
            result = request.execute()
        except HttpError as exc:
            raise _refused(exc, now) from exc
        except (GoogleError, httplib2.HttpLib2Error, OSError, ValueError) as exc:
            raise CollectorError(f"YouTube: {type(exc).__name__}") from exc
        finally:
            if ctx.units_left is not None:
                ctx.quota = {"remaining": max(ctx.units_left - ctx.units, 0),
                             "limit": int(settings.SOCIAL_DAILY_UNITS.get("youtube") or 0), "unit": "units / day",
                             "reset": reset.isoformat()}
        if not isinstance(result, dict) or not isinstance(result.get("items", []), list):
            raise CollectorError("YouTube: the answer is not a list of items")
        return result

    def _channel(self, ctx: Context, part: str) -> dict[str, Any]:
        api, handle = self._client(ctx), ctx.account.handle.strip()
        if ctx.account.platform_id:
            which = {"id": ctx.account.platform_id}
        elif handle.startswith("UC") and len(handle) == 24:  # a channel id typed as the handle
            which = {"id": handle}
        else:
            which = {"forHandle": handle}
        items = self._list(ctx, api.channels().list(part=part, **which))["items"]
        if not items:
            raise CollectorError(f"YouTube: no channel {next(iter(which.values()))}")
        channel: dict[str, Any] = items[0]
        return channel

    def profile(self, ctx: Context) -> Profile:
        channel = self._channel(ctx, "snippet,statistics,contentDetails")
        try:
            stats = channel.get("statistics") or {}
            self._uploads = str(channel["contentDetails"]["relatedPlaylists"]["uploads"])
            hidden = bool(stats.get("hiddenSubscriberCount"))
            return Profile(platform_id=str(channel["id"]),
                           followers=None if hidden else _int(stats.get("subscriberCount")),
                           posts=_int(stats.get("videoCount")))
        except (KeyError, TypeError, ValueError) as exc:
            raise CollectorError(f"YouTube: the channel is malformed ({exc!r})") from exc

    def timeline(self, ctx: Context, token: str | None) -> tuple[list[PostItem], str | None]:
        if self._uploads is None:
            try:
                self._uploads = str(self._channel(ctx, "contentDetails")["contentDetails"]["relatedPlaylists"]["uploads"])
            except (KeyError, TypeError) as exc:
                raise CollectorError(f"YouTube: the channel has no uploads playlist ({exc!r})") from exc
        api = self._client(ctx)
        page = self._list(ctx, api.playlistItems().list(part="contentDetails", playlistId=self._uploads,
                                                        maxResults=PAGE, pageToken=token))
        try:
            ids = [str(i["contentDetails"]["videoId"]) for i in page["items"]]
        except (KeyError, TypeError) as exc:
            raise CollectorError(f"YouTube: a playlist item is malformed ({exc!r})") from exc
        if not ids:
            return [], None
        videos = self._list(ctx, api.videos().list(part="snippet,statistics,contentDetails", id=",".join(ids),
                                                   maxResults=PAGE))["items"]
        by_id = {str(v.get("id")): v for v in videos if isinstance(v, dict)}
        # The uploads playlist is newest first; a video gone private or deleted since is not in videos.list.
        posts = [_video(by_id[i]) for i in ids if i in by_id]
        return posts, page.get("nextPageToken")

    def following(self, ctx: Context, token: str | None) -> tuple[list[Followed], str | None]:
        api = self._client(ctx)
        channel_id = ctx.account.platform_id
        if not channel_id:
            raise CollectorError("YouTube: the channel's id is not known yet (its profile was not read)")
        try:
            page = self._list(ctx, api.subscriptions().list(part="snippet", channelId=channel_id, maxResults=PAGE,
                                                            pageToken=token))
        except CollectorError as exc:
            cause = exc.__cause__
            if isinstance(cause, HttpError) and "subscriptionForbidden" in _reasons(cause):
                return [], None  # the channel keeps its subscriptions private: nothing to read, not a failure
            raise
        try:
            follows = [Followed(target_id=str(s["snippet"]["resourceId"]["channelId"])) for s in page["items"]]
        except (KeyError, TypeError) as exc:
            raise CollectorError(f"YouTube: a subscription is malformed ({exc!r})") from exc
        return follows, (page.get("nextPageToken") if follows else None)


register("youtube")(YouTubeCollector)
