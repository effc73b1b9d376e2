"""Notification settings, read at call time (so that tests and operators can change them). The settings and
their defaults are defined once, in config/settings/notify.py, and documented in docs/configuration.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import connection


def rate_limit(channel: str) -> float:
    """Messages per second the channel may send; 0 (or a channel not listed) means unlimited."""
    return float(settings.NOTIFY_RATE_LIMITS.get(channel, 0) or 0)


def burst_seconds() -> float:
    """How many seconds' worth of tokens a channel may bank while idle."""
    return float(settings.NOTIFY_RATE_BURST_SECONDS)


def max_attempts(channel: str) -> int:
    return max(1, int(settings.NOTIFY_MAX_ATTEMPTS.get(channel, 6)))


def retry_base_seconds() -> float:
    return float(settings.NOTIFY_RETRY_BASE_SECONDS)


def retry_max_seconds() -> float:
    return float(settings.NOTIFY_RETRY_MAX_SECONDS)


def lease_seconds() -> float:
    return float(settings.NOTIFY_LEASE_SECONDS)


def batch_size() -> int:
    return max(1, int(settings.NOTIFY_BATCH_SIZE))


def bulk_batch_size() -> int:
    """Messages per claim while only BULK messages are due (NOTIFY_BULK_BATCH_SIZE; 0: by database engine)."""
    size = int(settings.NOTIFY_BULK_BATCH_SIZE)
    if size <= 0:
        size = batch_size() if connection.vendor == "sqlite" else 500
    return max(1, size)


def concurrency() -> int:
    return max(1, int(settings.NOTIFY_CONCURRENCY))


def bulk_pause_seconds() -> float:
    """Pause between dispatch rounds of a broadcast (BULK messages only), so urgent writes interleave."""
    return float(settings.NOTIFY_BULK_PAUSE_SECONDS)


def dispatch_max_seconds() -> float:
    return float(settings.NOTIFY_DISPATCH_MAX_SECONDS)


def broadcast_run_seconds() -> float:
    return float(settings.NOTIFY_BROADCAST_RUN_SECONDS)


def http_timeout() -> float:
    return float(settings.NOTIFY_HTTP_TIMEOUT)


def push_ttl_seconds() -> int:
    return int(settings.NOTIFY_PUSH_TTL_SECONDS)


def push_hosts() -> list[str]:
    """Host names (or parent domains) a push subscription's endpoint may point at; "*" allows any https
    host. Loopback http endpoints are also accepted under DEBUG and tests."""
    return list(settings.NOTIFY_PUSH_HOSTS)


def sink_path() -> Path:
    return Path(settings.NOTIFY_SINK_PATH)


def dev_sink() -> bool:
    """SMS and WhatsApp without a configured provider go to the sink (development)."""
    return bool(settings.NOTIFY_DEV_SINK)


def sms_strict() -> bool:
    """An SMS that does not fit one GSM-7 segment raises SmsTooLong instead of being cut (tests)."""
    return bool(settings.NOTIFY_SMS_STRICT)


def provider(channel: str) -> tuple[str, str]:
    """(url, token) of the HTTP provider for "sms" or "whatsapp"; url is "" when none is configured."""
    if channel == "whatsapp":
        return settings.NOTIFY_WHATSAPP_URL, settings.NOTIFY_WHATSAPP_TOKEN
    return settings.NOTIFY_SMS_URL, settings.NOTIFY_SMS_TOKEN


def webhook_secret() -> str:
    return str(settings.NOTIFY_WEBHOOK_SECRET)


def retention_days() -> int:
    return int(settings.NOTIFY_RETENTION_DAYS)


def retention_failed_days() -> int:
    return int(settings.NOTIFY_RETENTION_FAILED_DAYS)


def max_push_subscriptions() -> int:
    return int(settings.NOTIFY_MAX_PUSH_SUBSCRIPTIONS)


def receipt_wait(priority: int) -> dt.timedelta:
    """How long a message with a fallback may go without a delivery receipt before the next channel is tried."""
    minutes = settings.NOTIFY_RECEIPT_WAIT_SOS_MINUTES if priority <= 0 else settings.NOTIFY_RECEIPT_WAIT_MINUTES
    return dt.timedelta(minutes=float(minutes))
