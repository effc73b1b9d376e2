"""How healthy an account's connection is: its token by each platform's rules, and its last pulls.

Token lifetimes (the platforms' documentation, read 2026-12):
- Facebook and Instagram (Graph API): a Page access token made from a long-lived user token has no expiry
  date; a long-lived user token lasts about 60 days. A page token without an expiry is *not* dead.
- X (API v2): an app-only bearer token does not expire; an OAuth 2.0 user token lasts 2 hours and is renewed
  with its refresh token (scope offline.access).
- YouTube (Google OAuth 2.0): an access token lasts 1 hour and is renewed with the refresh token, which does
  not expire by date (it is revoked when unused for 6 months, and after 7 days while the Google app is in
  "testing").
- TikTok: an access token lasts 24 hours, its refresh token 365 days.
- Mastodon: an access token does not expire until revoked. Bluesky: an app password does not expire; the
  SDK renews its own sessions.
So an account needs a person only when the platform refuses its credentials (`needs_reconnect`, set by a
pull) or when both its token and its refresh token are past their dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from embassy.social.models import Account

WARN_BEFORE = dt.timedelta(days=7)

TOKEN_LABELS = {
    "none": _("not connected"),
    "ok": _("connected"),
    "expiring": _("expires soon: reconnect"),
    "expired": _("expired: reconnect"),
    "reconnect": _("refused by the platform: reconnect"),
}
STATE_LABELS = {
    "never": _("never pulled"),
    "ok": _("up to date"),
    "stale": _("stale: numbers are old"),
    "error": _("last pull failed"),
    "reconnect": _("needs reconnecting"),
}


def token_state(account: Account, now: dt.datetime) -> str:
    if account.needs_reconnect:
        return "reconnect"
    if not account.credentials:
        return "none"
    expires, refresh = account.token_expires_at, account.refresh_expires_at
    if expires is None:
        return "ok"
    renewable = account.token_kind.endswith("+refresh") and (refresh is None or refresh > now)
    if renewable:
        return "expiring" if refresh is not None and refresh - now < WARN_BEFORE else "ok"
    if expires <= now:
        return "expired"
    return "expiring" if expires - now < WARN_BEFORE else "ok"


@dataclass(frozen=True)
class Health:
    state: str
    token: str
    last_success_at: dt.datetime | None
    last_error: str
    last_error_at: dt.datetime | None
    quota: dict[str, object]

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def token_label(self) -> str:
        return str(TOKEN_LABELS[self.token])


def health_of(account: Account, *, now: dt.datetime, stale_after: dt.timedelta | None = None) -> Health:
    """An account whose last pull failed says so, and one whose last good pull is older than `stale_after`
    (default SOCIAL_STALE_HOURS) is stale: old numbers are never shown as current."""
    stale_after = stale_after or dt.timedelta(hours=settings.SOCIAL_STALE_HOURS)
    token = token_state(account, now)
    if token in {"reconnect", "expired"}:
        state = "reconnect"
    elif account.last_error_at and (account.last_success_at is None or account.last_error_at > account.last_success_at):
        state = "error"
    elif account.last_success_at is None:
        state = "never"
    elif now - account.last_success_at > stale_after:
        state = "stale"
    else:
        state = "ok"
    return Health(state=state, token=token, last_success_at=account.last_success_at, last_error=account.last_error,
                  last_error_at=account.last_error_at, quota=dict(account.quota or {}))
