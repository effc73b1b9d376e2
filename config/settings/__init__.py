"""The one settings module. Everything that differs between deployments comes from the environment.

Environment variables (see docs/configuration.md):
DEBUG, SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASE_URL, TASKS_BACKEND, REDIS_URL,
EMAIL_URL-style settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
DEFAULT_FROM_EMAIL), FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY, SECURE_SSL_REDIRECT, VAR_DIR.
"""

# Each topical module imports what it reads from the others (DEBUG, VAR_DIR, INSTALLED_APPS), so any order works.
from config.settings.base import *  # noqa: F403
from config.settings.crises import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.env import *  # noqa: F403
from config.settings.notify import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.sos import *  # noqa: F403
