"""Keys and sign-in: SECRET_KEY, hosts, staff and citizen authentication, field encryption, HTTPS and CSP."""

from __future__ import annotations

import base64
import os
import secrets

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import DEBUG, TESTING, _local_secret, env_bool, env_list

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see docs/configuration.md).")
    SECRET_KEY = _local_secret("secret_key", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or _local_secret("field_keys", lambda: "k1:" + _new_key())
    FIELD_HASH_KEY = FIELD_HASH_KEY or _local_secret("field_hash_key", _new_key)

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
