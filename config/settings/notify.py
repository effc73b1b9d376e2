"""E-mail and the notification outbox (embassy.notify): providers, rates, retries, retention."""

from __future__ import annotations

import base64
import json
import os

from config.settings.env import DEBUG, TESTING, VAR_DIR, _local_secret, env_bool, env_list

# --- Email ------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST") else
    "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Smart Embassy <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications ------------------------------------------------------------------------------------------
# embassy.notify: one outbox for e-mail, Web Push, SMS, WhatsApp, webhooks and the development sink.
# Documented in docs/configuration.md (environment variables) and docs/adr/0004-notify-channels.md.
def _new_vapid_key() -> str:
    # imported here: ~18 ms that every process (each manage.py command too) would pay at start-up for a key
    # that is generated once
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _rate_map(name: str, defaults: dict[str, float]) -> dict[str, float]:
    """"push=200,email=20" → {"push": 200.0, ...} over the defaults (0 = unlimited)."""
    rates = dict(defaults)
    for item in env_list(name):
        channel, _sep, value = item.partition("=")
        rates[channel.strip()] = float(value)
    return rates


VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "")  # optional: derived from the private key
if not VAPID_PRIVATE_KEY and (DEBUG or TESTING):
    VAPID_PRIVATE_KEY = _local_secret("vapid_private_key", _new_vapid_key)
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:" + (DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip()
                                                             or "no-reply@localhost"))
NOTIFY_SMS_URL = os.environ.get("NOTIFY_SMS_URL", "")
NOTIFY_SMS_TOKEN = os.environ.get("NOTIFY_SMS_TOKEN", "")
NOTIFY_WHATSAPP_URL = os.environ.get("NOTIFY_WHATSAPP_URL", "")
NOTIFY_WHATSAPP_TOKEN = os.environ.get("NOTIFY_WHATSAPP_TOKEN", "")
NOTIFY_WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
SMS_LINK_BASE = os.environ.get("SMS_LINK_BASE", "")  # links in SMS (default SITE_URL); ≤ 32 characters
NOTIFY_SMS_PRICES = os.environ.get("NOTIFY_SMS_PRICES", "")  # per SMS segment by country: "default=0.05,ID=0.02"
NOTIFY_SMS_CURRENCY = os.environ.get("NOTIFY_SMS_CURRENCY", "USD")
NOTIFY_DEV_SINK = env_bool("NOTIFY_DEV_SINK", DEBUG)  # SMS/WhatsApp without a provider → the sink
NOTIFY_SINK_PATH = VAR_DIR / "notify" / "sink.jsonl"
# An SMS that does not fit one GSM-7 segment raises SmsTooLong instead of being cut (on under tests).
NOTIFY_SMS_STRICT = env_bool("NOTIFY_SMS_STRICT", TESTING)
NOTIFY_RATE_LIMITS = _rate_map("NOTIFY_RATE_LIMITS", {
    "push": 200, "email": 20, "sms": 10, "whatsapp": 10, "webhook": 50, "sink": 1000,
})  # messages per second per channel
NOTIFY_RATE_BURST_SECONDS = float(os.environ.get("NOTIFY_RATE_BURST_SECONDS", "1"))  # tokens banked while idle
NOTIFY_MAX_ATTEMPTS = {"push": 6, "email": 8, "sms": 6, "whatsapp": 6, "webhook": 8, "sink": 3}
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "10"))
NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("NOTIFY_RETRY_MAX_SECONDS", "3600"))
NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
# 50 per round: each round's write transactions stay a few milliseconds long on SQLite (one writer at a time)
NOTIFY_BATCH_SIZE = int(os.environ.get("NOTIFY_BATCH_SIZE", "50"))
NOTIFY_CONCURRENCY = int(os.environ.get("NOTIFY_CONCURRENCY", "8"))
# While only a broadcast's BULK messages are due, a round claims this many: a round's fixed cost (the claim's
# queries, two commits) is spread over more messages. 0: 500 on PostgreSQL (2.8x the messages a second of
# 50 per round), NOTIFY_BATCH_SIZE on SQLite, whose single writer must stay free for SOS alerts.
NOTIFY_BULK_BATCH_SIZE = int(os.environ.get("NOTIFY_BULK_BATCH_SIZE", "0"))
NOTIFY_DISPATCH_MAX_SECONDS = float(os.environ.get("NOTIFY_DISPATCH_MAX_SECONDS", "30"))
# A run that carries only a broadcast hands over this soon, so that its worker takes other tasks in between.
NOTIFY_BROADCAST_RUN_SECONDS = float(os.environ.get("NOTIFY_BROADCAST_RUN_SECONDS", "5"))
NOTIFY_BULK_PAUSE_SECONDS = float(os.environ.get("NOTIFY_BULK_PAUSE_SECONDS", "0.002"))
NOTIFY_HTTP_TIMEOUT = float(os.environ.get("NOTIFY_HTTP_TIMEOUT", "10"))
NOTIFY_PUSH_TTL_SECONDS = int(os.environ.get("NOTIFY_PUSH_TTL_SECONDS", "86400"))
NOTIFY_PUSH_HOSTS = env_list(
    "NOTIFY_PUSH_HOSTS", "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com")
NOTIFY_MAX_PUSH_SUBSCRIPTIONS = int(os.environ.get("NOTIFY_MAX_PUSH_SUBSCRIPTIONS", "10"))
NOTIFY_RETENTION_DAYS = int(os.environ.get("NOTIFY_RETENTION_DAYS", "30"))
NOTIFY_RETENTION_FAILED_DAYS = int(os.environ.get("NOTIFY_RETENTION_FAILED_DAYS", "90"))

# --- Messaging providers (issue 12; docs/messaging.md) ------------------------------------------------------
# Accounts (Twilio, Infobip, Vonage, SMPP, WhatsApp Cloud API, generic) are rows of notify.ProviderAccount,
# edited by headquarters in the admin; each process re-reads them after this many seconds.
NOTIFY_PROVIDER_CACHE_SECONDS = float(os.environ.get("NOTIFY_PROVIDER_CACHE_SECONDS", "30"))
# Inbound texts are stored by the webhook and handed to the apps by the worker (notify.inbox): once it has
# emptied the queue it waits this long for more before it ends its run (a storm is taken as it arrives).
NOTIFY_INBOUND_LINGER_SECONDS = float(os.environ.get("NOTIFY_INBOUND_LINGER_SECONDS", "0" if TESTING else "0.25"))
# WhatsApp: messages that start a conversation use approved templates. kind → {"name": template name,
# "params": names of the body parameters, looked up in the message's data["wa"], "text" = the message text}.
# Kinds without a template are sent only inside the 24-hour window a person's message opens.
NOTIFY_WHATSAPP_TEMPLATES = json.loads(os.environ.get("NOTIFY_WHATSAPP_TEMPLATES", "") or json.dumps({
    "crisis.rollcall": {"name": "rollcall_question", "params": ["name", "crisis", "link"]},
    "crisis.contact": {"name": "rollcall_contact", "params": ["name", "crisis", "link"]},
    "crisis.notice": {"name": "crisis_notice", "params": ["crisis", "text"]},
    "sos.received": {"name": "sos_received", "params": ["mission", "ref"]},
}))
# Template language codes WhatsApp knows, by our language.
NOTIFY_WHATSAPP_LANGUAGES = {"id": "id", "en": "en", **{
    k: v for k, _s, v in (i.partition("=") for i in env_list("NOTIFY_WHATSAPP_LANGUAGES"))}}
NOTIFY_WHATSAPP_WINDOW_HOURS = float(os.environ.get("NOTIFY_WHATSAPP_WINDOW_HOURS", "24"))
# Opt-outs (STOP, BERHENTI…) are honoured, except for life-safety messages (of these
# kinds, any priority) in the countries listed here ("*": every country; "": none), where the law allows it.
NOTIFY_LIFE_SAFETY_KINDS = env_list(
    "NOTIFY_LIFE_SAFETY_KINDS", "crisis.rollcall,crisis.contact,crisis.notice,sos.received,sos.message,sos.ack")
NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES = env_list("NOTIFY_OPTOUT_LIFE_SAFETY_COUNTRIES", "*")
# A message queued with a fallback (MessageSpec.then) that has no delivery receipt after this long is tried
# on the next channel, in this order (notify.fallback).
NOTIFY_FALLBACK_ORDER = env_list("NOTIFY_FALLBACK_ORDER", "push,whatsapp,sms")
NOTIFY_RECEIPT_WAIT_MINUTES = float(os.environ.get("NOTIFY_RECEIPT_WAIT_MINUTES", "10"))
NOTIFY_RECEIPT_WAIT_SOS_MINUTES = float(os.environ.get("NOTIFY_RECEIPT_WAIT_SOS_MINUTES", "2"))

# --- Cost and budgets (issue 12; docs/messaging.md, "Cost and budgets") ------------------------------------------
# Prices by channel and recipient country, a JSON object: {"currency": "USD", "sms": {"default": "0.05",
# "ID": "0.02"}, "whatsapp": {"default": "0.01"}}. SMS per segment, WhatsApp per message; push and e-mail cost
# nothing. Over NOTIFY_SMS_PRICES / NOTIFY_SMS_CURRENCY (still read: the sms row and the currency). No entry and no
# default: no estimate. Read by embassy.notify.costs; a malformed value is reported by `check` (notify.W002).
NOTIFY_PRICES = os.environ.get("NOTIFY_PRICES", "")
# Missions' monthly budgets are rows of notify.MissionBudget (admin). At this share of a budget the head of mission
# and headquarters are told, once a month.
NOTIFY_BUDGET_ALERT_PERCENT = float(os.environ.get("NOTIFY_BUDGET_ALERT_PERCENT", "80"))
# Each process re-reads missions' budgets and month-to-date spend after this many seconds, adding meanwhile what it
# queued itself (notify.budget): a budget edited in the admin applies everywhere within this time.
NOTIFY_BUDGET_CACHE_SECONDS = float(os.environ.get("NOTIFY_BUDGET_CACHE_SECONDS", "10"))
