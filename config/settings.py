"""The one settings module. Everything that differs between deployments comes from the environment.

Environment variables (see docs/configuration.md):
DEBUG, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL, TASKS_BACKEND, REDIS_URL,
EMAIL_URL-style settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
DEFAULT_FROM_EMAIL), FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY, SECURE_SSL_REDIRECT, VAR_DIR.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret(filename: str, make: object) -> str:
    """Read a secret generated once into var/ for local runs (never used when DEBUG is off)."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())  # type: ignore[operator]  # make is a callable returning str
        path.chmod(0o600)
    return path.read_text().strip()


TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see docs/configuration.md).")
    SECRET_KEY = _local_secret("secret_key", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


def _site_url() -> str:
    """SITE_URL when set; else the address `make run` serves on (HOST, PORT), so that links in messages (SMS,
    e-mail, push) lead back to this server. A wildcard HOST (0.0.0.0, ::) listens everywhere: links use the
    loopback address then."""
    explicit = os.environ.get("SITE_URL", "").strip()
    if explicit:
        return explicit
    host = os.environ.get("HOST", "").strip() or "127.0.0.1"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - a listening address, not one this binds to
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    port = os.environ.get("PORT", "").strip() or "8000"
    return f"http://{host}:{port}"


SITE_URL = _site_url()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    "embassy.common",
    "embassy.accounts",
    "embassy.geo",
    "embassy.missions",
    "embassy.citizens",
    "embassy.notify",
    "embassy.advisories",
    "embassy.sos",
    "embassy.crises",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "embassy.common.middleware.RequestGuardMiddleware",  # host, body size, malformed forms: 4xx, never 500
    "embassy.sos.fastpath.SosFastPathMiddleware",  # the panic button from apps, before the page machinery
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "embassy.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "embassy.common.middleware.RequestContextMiddleware",
    "embassy.common.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "embassy.common.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "embassy.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock up front so that a
    # transaction never has to be retried half-way ("database is locked" on lock upgrade); the busy
    # timeout makes a second writer wait instead of failing.
    # Writers also queue on a file lock instead of SQLite's sleeping busy handler (see embassy/common/sqlite).
    DATABASES["default"]["ENGINE"] = "embassy.common.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA wal_autocheckpoint=0; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DEBUG_SQL = env_bool("DEBUG_SQL", False)

# --- SOS ----------------------------------------------------------------------------------------------------
SOS_ESCALATE_AFTER_SECONDS = int(os.environ.get("SOS_ESCALATE_AFTER_SECONDS", "300"))
SOS_MAX_PHOTO_BYTES = int(os.environ.get("SOS_MAX_PHOTO_BYTES", str(10 * 1024 * 1024)))
SOS_MAX_VIDEO_BYTES = int(os.environ.get("SOS_MAX_VIDEO_BYTES", str(50 * 1024 * 1024)))
SOS_FLOOR_ENDPOINT = env_bool("SOS_FLOOR_ENDPOINT", False)
# The largest upload a request may declare (an SOS video and its form); other bodies: DATA_UPLOAD_MAX_MEMORY_SIZE.
REQUEST_MAX_UPLOAD_BYTES = int(os.environ.get("REQUEST_MAX_UPLOAD_BYTES",
                                              str(max(SOS_MAX_PHOTO_BYTES, SOS_MAX_VIDEO_BYTES) + 1024 * 1024)))

# --- Crises -------------------------------------------------------------------------------------------------
# Polling USGS and GDACS needs internet access: on by default in production, off in development and tests.
CRISIS_FEEDS_ENABLED = env_bool("CRISIS_FEEDS_ENABLED", not (DEBUG or TESTING))
# Crisis roll-call (docs/crises.md): channels tried in order per person, reminders (minutes after the question),
# when emergency contacts are asked, how long links stay valid, how recent a shared position must be.
ROLLCALL_CHANNELS = env_list("ROLLCALL_CHANNELS", "push,email,sms,whatsapp")
ROLLCALL_REMINDERS = [float(m) for m in env_list("ROLLCALL_REMINDERS", "30,120")]
ROLLCALL_CONTACTS_AFTER = float(os.environ.get("ROLLCALL_CONTACTS_AFTER", "240"))
ROLLCALL_LINK_MAX_AGE = int(os.environ.get("ROLLCALL_LINK_MAX_AGE", str(14 * 24 * 3600)))
CRISIS_LAST_SEEN_DAYS = float(os.environ.get("CRISIS_LAST_SEEN_DAYS", "14"))
# Feeds (docs/crises-feeds.md): an event older than this at first sight never becomes a crisis; events of one
# hazard whose zones meet within this window extend one crisis; how long a crisis's and an advisory's CAP alert is valid.
CRISIS_FEED_MAX_AGE_DAYS = float(os.environ.get("CRISIS_FEED_MAX_AGE_DAYS", "3"))
CRISIS_SEQUENCE_WINDOW_HOURS = float(os.environ.get("CRISIS_SEQUENCE_WINDOW_HOURS", "168"))
CRISES_CAP_EXPIRES_HOURS = float(os.environ.get("CRISES_CAP_EXPIRES_HOURS", "24"))
ADVISORIES_CAP_EXPIRES_DAYS = float(os.environ.get("ADVISORIES_CAP_EXPIRES_DAYS", "30"))
CRISIS_FEED_URLS = {k: v for k, v in (("usgs", os.environ.get("CRISIS_FEED_USGS_URL", "")),
                                      ("gdacs", os.environ.get("CRISIS_FEED_GDACS_URL", ""))) if v}  # the SOS benchmark's baseline, also without DEBUG  # with DEBUG: keep every SQL query in connection.queries (SQLite)

# --- Auth -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:staff-login"
LOGIN_REDIRECT_URL = "console:home"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "embassy.accounts.views.lockout_response"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Smart Embassy")
# One-time sign-in codes for citizens.
SIGNIN_CODE_TTL_SECONDS = int(os.environ.get("SIGNIN_CODE_TTL_SECONDS", "600"))
SIGNIN_CODE_MAX_ATTEMPTS = 5
SIGNIN_CODE_MAX_PER_HOUR = int(os.environ.get("SIGNIN_CODE_MAX_PER_HOUR", "5"))  # per address
# Against SMS pumping (docs/security.md): codes per hour from one client address, by SMS to one country calling
# code, and by SMS overall. A refusal answers 429 and names the hotline; an SOS never needs a code.
SIGNIN_CODE_MAX_PER_IP_HOUR = int(os.environ.get("SIGNIN_CODE_MAX_PER_IP_HOUR", "10"))
SIGNIN_CODE_MAX_PER_PREFIX_HOUR = int(os.environ.get("SIGNIN_CODE_MAX_PER_PREFIX_HOUR", "200"))
SIGNIN_CODE_MAX_SMS_PER_HOUR = int(os.environ.get("SIGNIN_CODE_MAX_SMS_PER_HOUR", "1000"))
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "180"))

# --- Field encryption -----------------------------------------------------------------------------
# FIELD_ENCRYPTION_KEYS: comma-separated "keyid:base64(32 bytes)"; the first encrypts, all decrypt.
# FIELD_HASH_KEY: base64 key for the keyed blind index that lets staff find a record by NIK/passport.
def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
FIELD_HASH_KEY = os.environ.get("FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG and not TESTING:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or _local_secret("field_keys", lambda: "k1:" + _new_key())
    FIELD_HASH_KEY = FIELD_HASH_KEY or _local_secret("field_hash_key", _new_key)

# --- Tasks ------------------------------------------------------------------------------------------
_TASKS_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "notify", "bulk"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "notify", "bulk"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "notify", "bulk"]},
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if TESTING else "database")
TASKS = {"default": _TASKS_BACKENDS[TASKS_BACKEND]}
if TASKS_BACKEND == "rq":  # multi-node: Redis queue (deploy/ installs django-tasks-rq)
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {q: {"URL": REDIS_URL} for q in ("default", "notify", "bulk")}

# --- Cache --------------------------------------------------------------------------------------------
if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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

# --- Internationalisation ------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep default semantics
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
_IMG_SRC = ["'self'", "data:"]
if os.environ.get("MAP_TILE_URL"):  # a tile server, for deployments with internet
    _IMG_SRC.append(os.environ["MAP_TILE_URL"].split("/{")[0])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": _IMG_SRC,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
# Show one-time sign-in codes on the page (demo installs only; never in production).
DEMO_SHOW_CODES = env_bool("DEMO_SHOW_CODES", DEBUG)

# --- Logging --------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Project ---------------------------------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
GEO_CACHE_DIR = VAR_DIR / "cache"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# --- Notifications ------------------------------------------------------------------------------------------
# embassy.notify: one outbox for e-mail, Web Push, SMS, WhatsApp, webhooks and the development sink.
# Documented in docs/notify.md (environment variables) and docs/adr/0004-notify-channels.md.
def _new_vapid_key() -> str:
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
NOTIFY_RATE_LIMITS = _rate_map("NOTIFY_RATE_LIMITS", {
    "push": 200, "email": 20, "sms": 10, "whatsapp": 10, "webhook": 50, "sink": 1000,
})  # messages per second per channel
NOTIFY_MAX_ATTEMPTS = {"push": 6, "email": 8, "sms": 6, "whatsapp": 6, "webhook": 8, "sink": 3}
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "10"))
NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("NOTIFY_RETRY_MAX_SECONDS", "3600"))
NOTIFY_LEASE_SECONDS = float(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
# 50 per round: each round's write transactions stay a few milliseconds long on SQLite (one writer at a time)
NOTIFY_BATCH_SIZE = int(os.environ.get("NOTIFY_BATCH_SIZE", "50"))
NOTIFY_CONCURRENCY = int(os.environ.get("NOTIFY_CONCURRENCY", "8"))
NOTIFY_DISPATCH_MAX_SECONDS = float(os.environ.get("NOTIFY_DISPATCH_MAX_SECONDS", "30"))
NOTIFY_BULK_PAUSE_SECONDS = float(os.environ.get("NOTIFY_BULK_PAUSE_SECONDS", "0.002"))
NOTIFY_HTTP_TIMEOUT = float(os.environ.get("NOTIFY_HTTP_TIMEOUT", "10"))
NOTIFY_PUSH_TTL_SECONDS = int(os.environ.get("NOTIFY_PUSH_TTL_SECONDS", "86400"))
NOTIFY_PUSH_HOSTS = env_list(
    "NOTIFY_PUSH_HOSTS", "fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com")
NOTIFY_MAX_PUSH_SUBSCRIPTIONS = int(os.environ.get("NOTIFY_MAX_PUSH_SUBSCRIPTIONS", "10"))
NOTIFY_RETENTION_DAYS = int(os.environ.get("NOTIFY_RETENTION_DAYS", "30"))
NOTIFY_RETENTION_FAILED_DAYS = int(os.environ.get("NOTIFY_RETENTION_FAILED_DAYS", "90"))
