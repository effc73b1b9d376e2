"""Which provider account sends a message, from which sender, and what people can text back to.

Accounts (notify.ProviderAccount) are read once per process and kept for NOTIFY_PROVIDER_CACHE_SECONDS (a
change made in the admin reaches every worker within that time; the saving process drops its copy at once).
For a message on channel C to a number in country K for mission M, the candidates are the enabled
accounts of channel C whose countries include K (or are empty) and whose missions include M (or are
empty), in `rank` order — the most specific first when ranks tie (mission-bound, then country-bound). The
dispatcher tries them in turn: attempt n goes to candidate (n-1) mod count, so a failing aggregator hands its
messages to the next one. Credentials are sealed with common.crypto (the passport numbers' keys) and
opened only here.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from embassy.common import crypto
from embassy.common.crypto import mask
from embassy.common.links import absolute
from embassy.notify.costs import calling_code_country
from embassy.notify.models import ProviderAccount
from embassy.notify.providers import Account

CONTEXT = "notify.ProviderAccount.credentials"
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .\-_&]{1,11}$")
NUMERIC_SENDER = re.compile(r"^\+?[1-9]\d{2,14}$")


def seal_credentials(values: Mapping[str, str]) -> str:
    return crypto.seal_json(values, context=CONTEXT)


def open_credentials(sealed: str) -> dict[str, str]:
    return crypto.open_json(sealed, context=CONTEXT)


def sender_problem(sender: str) -> str:
    """Why a sender cannot be used ("" when it can): an alphanumeric ID is 1-11 letters/digits with at
    least one letter (GSM 03.40's TP-OA limit), a number is E.164 digits. Country rules beyond the format
    (registration in SA, AE, ID…; no alphanumeric IDs in US, CA…) are the `senders` per country."""
    sender = (sender or "").strip()
    if not sender or sender.startswith(("MG", "whatsapp:")) or (sender.isdigit() and len(sender) > 15):
        return ""
    if NUMERIC_SENDER.match(sender.replace(" ", "")) or ALPHANUMERIC_SENDER.match(sender):
        return ""
    return "an SMS sender is a number (+ and up to 15 digits) or 1-11 letters and digits"


@dataclass(frozen=True)
class Route:
    account: Account
    rank: int
    countries: frozenset[str]
    missions: frozenset[int]
    senders: Mapping[str, str]
    inbound_number: str

    def serves(self, country: str, mission_id: int | None) -> bool:
        return ((not self.countries or country in self.countries)
                and (not self.missions or (mission_id is not None and mission_id in self.missions)))

    def sender_for(self, country: str) -> str:
        return self.senders.get(country, "") or self.account.sender


_lock = threading.Lock()
_cache: dict[str, Any] = {"at": 0.0, "routes": None}


def invalidate() -> None:
    with _lock:
        _cache["routes"] = None


def assume_none() -> None:
    """Start from "no accounts" without asking the database (tests: a fresh database has none; the signals
    below drop this as soon as one is written)."""
    with _lock:
        _cache["routes"], _cache["at"] = [], time.monotonic()


@receiver([post_save, post_delete], sender=ProviderAccount)
@receiver(m2m_changed, sender=ProviderAccount.missions.through)
def _changed(**kwargs: Any) -> None:
    """This process sees a change at once; the others within NOTIFY_PROVIDER_CACHE_SECONDS."""
    invalidate()


def _load() -> list[Route]:
    routes = []
    for row in ProviderAccount.objects.filter(enabled=True).prefetch_related("missions").order_by("rank", "id"):
        try:
            credentials = open_credentials(row.credentials)
        except (ValueError, TypeError):
            credentials = {}  # a key that was dropped: the account fails visibly when it sends
        account = Account(key=row.key, vendor=row.vendor, channel=row.channel, sender=row.sender,
                          credentials=credentials, options=dict(row.options or {}))
        countries = frozenset(c.strip().upper() for c in row.countries.split(",") if c.strip())
        routes.append(Route(account, row.rank, countries, frozenset(m.pk for m in row.missions.all()),
                            {str(k).upper(): str(v) for k, v in (row.senders or {}).items()}, row.inbound_number))
    return routes


def routes() -> list[Route]:
    now = time.monotonic()
    with _lock:
        cached = _cache["routes"]
        if cached is not None and now - _cache["at"] < float(settings.NOTIFY_PROVIDER_CACHE_SECONDS):
            return list(cached)
    loaded = _load()
    with _lock:
        _cache["routes"], _cache["at"] = loaded, now
    return list(loaded)


def account(key: str) -> Account | None:
    for route in routes():
        if route.account.key == key:
            return route.account
    return None


def candidates(channel: str, address: str, mission_id: int | None) -> list[Route]:
    """The accounts that may send this message, in the order to try them."""
    country = calling_code_country(address)
    found = [r for r in routes() if r.account.channel == channel and r.serves(country, mission_id)]
    return sorted(found, key=lambda r: (r.rank, not r.missions, not r.countries))


def pick(channel: str, address: str, mission_id: int | None, attempt: int) -> tuple[Route, str] | None:
    """The account for the `attempt`-th try (1-based) of a message, and its sender for the recipient."""
    found = candidates(channel, address, mission_id)
    if not found:
        return None
    route = found[(max(1, attempt) - 1) % len(found)]
    return route, route.sender_for(calling_code_country(address))


def has_accounts(channel: str) -> bool:
    return any(r.account.channel == channel for r in routes())


def inbound_number_for(mission_id: int) -> str:
    """The number people can text for this mission (SOS by SMS): the first enabled SMS account, by rank,
    that serves the mission (or every mission) and has one; "" when none does."""
    for route in sorted(routes(), key=lambda r: (r.rank, not r.missions)):
        if route.account.channel == "sms" and route.inbound_number and (not route.missions or mission_id in route.missions):
            return route.inbound_number
    return ""


def hook_url(account_key: str) -> str:
    """Where the vendor posts receipts and inbound messages for this account (absolute; "" without SITE_URL)."""
    return absolute(f"/hooks/notify/{account_key}/") if settings.SITE_URL else ""


def accounts_masked(accounts: Sequence[Account]) -> list[dict[str, Any]]:
    return [{"key": a.key, "vendor": a.vendor, "credentials": {k: mask(v) for k, v in a.credentials.items()}}
            for a in accounts]
