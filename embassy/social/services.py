"""Writes to the social-media registry: loading the data file, credentials, reconnecting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common import crypto
from embassy.common.errors import BadInput
from embassy.common.links import absolute, url_path
from embassy.missions.models import Mission, Role
from embassy.notify.services import notify_user
from embassy.social.importers import ImportFileError, parse_export
from embassy.social.models import Account, Pull
from embassy.social.registry import read_accounts
from embassy.social.reports import period_bounds
from embassy.social.store import store_follows, store_posts

CREDENTIALS_CONTEXT = "social.Account.credentials"


def accounts_load(*, path: Path) -> dict[str, int]:
    """Load the registry data file, all or nothing (raises missions.loader.DataFileError). Accounts that came
    from the file and are no longer in it are deactivated, never deleted (their history stays); accounts
    added by hand or simulated for the demo are left alone."""
    units = dict(Mission.objects.values_list("code", "id"))
    rows = read_accounts(path, units=set(units))
    created = updated = 0
    with transaction.atomic():
        existing = {(a.platform, a.handle.lower()): a for a in Account.objects.all()}
        keep: set[int] = set()
        for row in rows:
            values = {
                "owner": row.owner, "unit_id": units.get(row.unit), "owner_name": row.owner_name,
                "owner_country": row.owner_country, "handle": row.handle, "url": row.url,
                "verified": row.verified, "sources": " ".join(row.sources), "source_date": row.source_date,
                "active": True, "from_file": True,
            }
            if row.platform_id:
                values["platform_id"] = row.platform_id
            account = existing.get((row.platform, row.handle.lower()))
            if account is None:
                account = Account.objects.create(platform=row.platform, **values)
                created += 1
            elif any(getattr(account, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(account, k, v)
                account.save()
                updated += 1
            keep.add(account.pk)
        gone = Account.objects.filter(from_file=True, active=True).exclude(pk__in=keep).update(active=False)
    return {"accounts": len(rows), "created": created, "updated": updated, "deactivated": gone}


def credentials_of(account: Account) -> dict[str, str]:
    """The account's credentials, opened (for a collector only; never shown)."""
    return crypto.open_json(account.credentials, context=CREDENTIALS_CONTEXT)


def masked(account: Account) -> dict[str, str]:
    """Names of the stored credentials, masked (common.crypto.mask), for pages and the admin."""
    return {k: crypto.mask(v) for k, v in credentials_of(account).items()}


def account_connect(*, account: Account, credentials: dict[str, str], token_kind: str = "",
                    expires_at: dt.datetime | None = None, refresh_expires_at: dt.datetime | None = None) -> Account:
    """Store (or replace) an account's credentials, sealed, and clear the reconnect flag. Names given an empty
    value are removed. `expires_at` None means the token does not expire (e.g. a Facebook page token made
    from a long-lived user token) or the platform does not say."""
    current = credentials_of(account)
    current.update(credentials)
    account.credentials = crypto.seal_json(current, context=CREDENTIALS_CONTEXT)
    account.token_kind = token_kind or account.token_kind
    account.token_expires_at, account.refresh_expires_at = expires_at, refresh_expires_at
    account.needs_reconnect = False
    account.failures, account.retry_after = 0, None
    account.save(update_fields=["credentials", "token_kind", "token_expires_at", "refresh_expires_at",
                                "needs_reconnect", "failures", "retry_after"])
    return account


def account_tokens_renew(*, account: Account, credentials: dict[str, str], expires_at: dt.datetime | None,
                         refresh_expires_at: dt.datetime | None) -> None:
    """Keep the tokens a platform renewed during a pull (only these fields: the pull's outcome is recorded
    separately)."""
    current = credentials_of(account)
    current.update({k: v for k, v in credentials.items() if v})
    Account.objects.filter(pk=account.pk).update(
        credentials=crypto.seal_json(current, context=CREDENTIALS_CONTEXT),
        token_expires_at=expires_at, refresh_expires_at=refresh_expires_at)


def account_disconnect(*, account: Account) -> Account:
    account.credentials, account.token_kind = "", ""
    account.token_expires_at = account.refresh_expires_at = None
    account.save(update_fields=["credentials", "token_kind", "token_expires_at", "refresh_expires_at"])
    return account


def account_mark_reconnect(*, account: Account, reason: str) -> None:
    """The platform refused the credentials (revoked, expired, password changed): a person must reconnect."""
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(needs_reconnect=True, last_error=reason, last_error_at=now,
                                                 last_pull_at=now)


def account_import(*, account: Account, filename: str, data: bytes) -> Pull:
    """Import one of the platform's own exports into the account, whole or not at all (raises
    importers.ImportFileError). An export of another account is refused."""
    export = parse_export(account.platform, filename, data)
    if export.handle and export.handle.lower() != account.handle.lower():
        raise ImportFileError(filename, "account", f"this export is of @{export.handle}, not of {account.handle}")
    if not export.posts:
        raise ImportFileError(filename, "posts", "no posts in it")
    now = timezone.now()
    with transaction.atomic():
        stored = store_posts(account, export.posts, now=now, snapshot=export.has_numbers)
        if export.follows is not None:
            store_follows(account, export.follows, now=now)
        # The account's health is left alone: an export is history, not today's numbers from the platform.
        return Pull.objects.create(account=account, source=export.kind, started_at=now, finished_at=timezone.now(),
                                   status=Pull.Status.OK, posts=stored, snapshots=stored if export.has_numbers else 0)


# What a person types to connect an account, per platform, and how long what they type lasts (health.py).
CONNECT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "x": (("bearer_token", "Bearer token"),),
    "youtube": (("api_key", "API key"),),
    "facebook": (("access_token", "Page access token"),),
    "instagram": (("access_token", "Page access token"),),
    "tiktok": (("access_token", "Access token"), ("refresh_token", "Refresh token"), ("client_key", "Client key"),
               ("client_secret", "Client secret")),
    "mastodon": (("access_token", "Access token"),),
    "bluesky": (("app_password", "App password"),),
}
TOKEN_KINDS = {"x": "app", "youtube": "api_key", "facebook": "page", "instagram": "page",
               "tiktok": "oauth2+refresh", "mastodon": "token", "bluesky": "app_password"}


def account_reconnect(*, account: Account, actor: User, values: dict[str, str],
                      expires_at: dt.datetime | None = None) -> Account:
    """Connect or reconnect an account with what its platform issued; audited (never the values)."""
    wanted = {name for name, _label in CONNECT_FIELDS[account.platform]}
    given = {k: v.strip() for k, v in values.items() if k in wanted and v.strip()}
    if not given:
        raise BadInput("Type at least one credential.", field=next(iter(wanted)))
    now = timezone.now()
    refresh_expires = None
    if account.platform == "tiktok":  # TikTok: the access token lasts 24 hours, the refresh token 365 days
        expires_at, refresh_expires = expires_at or now + dt.timedelta(hours=24), now + dt.timedelta(days=365)
    account_connect(account=account, credentials=given, token_kind=TOKEN_KINDS[account.platform],
                    expires_at=expires_at, refresh_expires_at=refresh_expires)
    audit_record(actor=actor, action="social.connect", object_type="social.account", object_id=account.pk,
                 mission_code=account.unit.code if account.unit else "", detail={"names": sorted(given)})
    return account


def report_notify(*, period: str, today: dt.date) -> int:
    """Queue the e-mails announcing the reports of the period that ended before `today`; returns how many."""
    start, _end = period_bounds(period, today)
    queued = 0
    scopes: list[tuple[Mission | None, list[User]]] = [(None, list(User.objects.filter(
        memberships__role=Role.DIGITAL_DIPLOMACY, is_active=True).distinct()))]
    for mission in Mission.objects.filter(social_accounts__active=True).distinct():
        team = User.objects.filter(memberships__mission=mission, is_active=True,
                                   memberships__role__in=[Role.SOCIAL_MEDIA_OFFICER, Role.HEAD_OF_MISSION])
        scopes.append((mission, list(team.distinct())))
    for unit, people in scopes:
        url = absolute(url_path("console:social-report", period) + (f"?unit={unit.code}" if unit else ""))
        for person in people:
            with translation.override(person.language or "id"):
                report_name = unit.name_id if unit else _("the ministry's accounts")
                subject = (_("Weekly social-media report: %(scope)s") if period == "week"
                           else _("Monthly social-media report: %(scope)s")) % {"scope": report_name}
                body = _("The report for %(start)s onwards is ready, with the numbers, the best posts and what to "
                         "do next. Open it in the console (also as a PDF).") % {"start": start.date().isoformat()}
            queued += len(notify_user(user=person, subject=subject, body=body, url=url,
                                      channels=("email",), kind="social.report",
                                      dedupe_key=f"social-report:{unit.code if unit else 'ministry'}:{period}:"
                                                 f"{start.date().isoformat()}"))
    return queued
