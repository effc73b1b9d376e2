"""Django's frame: site address, apps, middleware, templates, languages, static files, logging."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from config.settings.env import BASE_DIR, DEBUG, TESTING, VAR_DIR
from config.settings.serving import HOST, PORT


def _site_url() -> str:
    """SITE_URL when set; else the address `make run` serves on (HOST, PORT), so that links in messages (SMS,
    e-mail, push) lead back to this server. A wildcard HOST (0.0.0.0, ::) listens everywhere: links use the
    loopback address then."""
    explicit = os.environ.get("SITE_URL", "").strip()
    if explicit:
        return explicit
    host = HOST
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - a listening address, not one this binds to
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{PORT}"


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
    "embassy.social",
    "embassy.consular",
    "embassy.credentials",
    "embassy.counter",
    "embassy.applications",
    "embassy.enquiries",
    "embassy.complaints",
    "embassy.shelters",
    "embassy.timeline",
    "embassy.performance",
    "embassy.publishing",
    "embassy.listening",
    "embassy.ops",
]

MIDDLEWARE = [
    "embassy.ops.middleware.ObservabilityMiddleware",  # request id, metrics, access log: first, to time it all
    "django.middleware.security.SecurityMiddleware",
    "embassy.common.middleware.RequestGuardMiddleware",  # host, body size, malformed forms: 4xx, never 500
    "config.fastpath.ApiFastPathMiddleware",  # the panic button and roll-call answers, before the page machinery
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
                "embassy.notify.context_processors.outbox",
                "embassy.social.context_processors.social",
                "embassy.listening.context_processors.listening",
                "embassy.performance.context_processors.casework",
                "embassy.consular.context_processors.consular",
            ],
        },
    },
]

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
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Attachments (SOS photos, application documents): the local disk under MEDIA_ROOT by default; with
# ATTACHMENTS_S3_BUCKET, an S3-compatible object store shared by every node (django-storages; docs/operations.md).
if os.environ.get("ATTACHMENTS_S3_BUCKET"):
    from botocore.config import Config as _S3Config

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["ATTACHMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ATTACHMENTS_S3_REGION") or None,
            "access_key": os.environ.get("ATTACHMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("ATTACHMENTS_S3_SECRET_ACCESS_KEY") or None,
            "file_overwrite": False,  # a name taken is never replaced
            "default_acl": "private",
            "querystring_auth": True,  # files are served through the scoped views, never by public URL
            # Fail within seconds when the store does not answer (an upload then says to try again; the SOS
            # itself is in the database already), instead of botocore's minute-long waits.
            "client_config": _S3Config(connect_timeout=3, read_timeout=20,
                                       retries={"max_attempts": 2, "mode": "standard"}),
        },
    }
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Logging --------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # LOG_FORMAT=json (production, deploy/): one JSON object per line; every record carries the request id.
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        },
    },
    "filters": {"request_id": {"()": "embassy.common.tracing.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("LOG_FORMAT", "plain") == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # smpplib logs every PDU at DEBUG, bind passwords included.
        "smpplib": {"level": "INFO"},
        "embassy.notify.smpp": {"level": "INFO"},
    },
}

# --- Project ---------------------------------------------------------------------------------------------
DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
GEO_CACHE_DIR = VAR_DIR / "cache"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
