"""Notification settings, read at call time (so tests and operators can change them) with defaults that
hold when a setting is absent. The settings themselves are documented in docs/notify.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_RATE_LIMITS: dict[str, float] = {
    "push": 200.0, "email": 20.0, "sms": 10.0, "whatsapp": 10.0, "webhook": 50.0, "sink": 1000.0,
}
DEFAULT_MAX_ATTEMPTS: dict[str, int] = {
    "push": 6, "email": 8, "sms": 6, "whatsapp": 6, "webhook": 8, "sink": 3,
}


def get(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def rate_limit(channel: str) -> float:
    """Messages per second the channel may send; 0 means unlimited."""
    limits = {**DEFAULT_RATE_LIMITS, **(get("NOTIFY_RATE_LIMITS", {}) or {})}
    return float(limits.get(channel, 0) or 0)


def burst_seconds() -> float:
    """How many seconds' worth of tokens a channel may bank while idle."""
    return float(get("NOTIFY_RATE_BURST_SECONDS", 1.0))


def max_attempts(channel: str) -> int:
    attempts = {**DEFAULT_MAX_ATTEMPTS, **(get("NOTIFY_MAX_ATTEMPTS", {}) or {})}
    return max(1, int(attempts.get(channel, 6)))


def retry_base_seconds() -> float:
    return float(get("NOTIFY_RETRY_BASE_SECONDS", 10.0))


def retry_max_seconds() -> float:
    return float(get("NOTIFY_RETRY_MAX_SECONDS", 3600.0))


def lease_seconds() -> float:
    return float(get("NOTIFY_LEASE_SECONDS", 300.0))


def batch_size() -> int:
    return max(1, int(get("NOTIFY_BATCH_SIZE", 50)))


def concurrency() -> int:
    return max(1, int(get("NOTIFY_CONCURRENCY", 8)))


def bulk_pause_seconds() -> float:
    """Pause between dispatch rounds of a broadcast (BULK messages only), so urgent writes interleave."""
    return float(get("NOTIFY_BULK_PAUSE_SECONDS", 0.002))


def dispatch_max_seconds() -> float:
    return float(get("NOTIFY_DISPATCH_MAX_SECONDS", 30.0))


def http_timeout() -> float:
    return float(get("NOTIFY_HTTP_TIMEOUT", 10.0))


def push_ttl_seconds() -> int:
    return int(get("NOTIFY_PUSH_TTL_SECONDS", 86400))


# The browsers' push services (Chrome/Opera/Samsung: FCM; Firefox: Mozilla; Safari: Apple; Edge: WNS).
DEFAULT_PUSH_HOSTS = ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"]


def push_hosts() -> list[str]:
    """Host names (or parent domains) a push subscription's endpoint may point at; "*" allows any https
    host. Loopback http endpoints are also accepted under DEBUG and tests."""
    return list(get("NOTIFY_PUSH_HOSTS", DEFAULT_PUSH_HOSTS) or DEFAULT_PUSH_HOSTS)


def sink_path() -> Path:
    return Path(get("NOTIFY_SINK_PATH", Path(settings.VAR_DIR) / "notify" / "sink.jsonl"))


def dev_sink() -> bool:
    """SMS and WhatsApp without a configured provider go to the sink (development)."""
    return bool(get("NOTIFY_DEV_SINK", settings.DEBUG))


def sms_strict() -> bool:
    """An SMS that does not fit one GSM-7 segment raises SmsTooLong instead of being cut (tests)."""
    return bool(get("NOTIFY_SMS_STRICT", getattr(settings, "TESTING", False)))


def provider(channel: str) -> tuple[str, str]:
    """(url, token) of the HTTP provider for "sms" or "whatsapp"; url is "" when none is configured."""
    prefix = f"NOTIFY_{channel.upper()}"
    return str(get(f"{prefix}_URL", "") or ""), str(get(f"{prefix}_TOKEN", "") or "")


def webhook_secret() -> str:
    return str(get("NOTIFY_WEBHOOK_SECRET", "") or "")


def retention_days() -> int:
    return int(get("NOTIFY_RETENTION_DAYS", 30))


def retention_failed_days() -> int:
    return int(get("NOTIFY_RETENTION_FAILED_DAYS", 90))


def max_push_subscriptions() -> int:
    return int(get("NOTIFY_MAX_PUSH_SUBSCRIPTIONS", 10))
