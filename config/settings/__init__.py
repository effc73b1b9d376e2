"""The settings, one package read by DJANGO_SETTINGS_MODULE=config.settings. Everything that differs between
deployments comes from the environment, and only here: every variable, its default and meaning is listed in
docs/configuration.md. The topical modules below hold the settings; the application reads `settings.X` and
never `getattr(settings, "X", default)` or os.environ."""

# Each topical module imports what it reads from the others (DEBUG, VAR_DIR, INSTALLED_APPS), so any order works.
from config.settings.applications import *  # noqa: F403
from config.settings.base import *  # noqa: F403
from config.settings.casework import *  # noqa: F403
from config.settings.consular import *  # noqa: F403
from config.settings.counter import *  # noqa: F403
from config.settings.credentials import *  # noqa: F403
from config.settings.crises import *  # noqa: F403
from config.settings.database import *  # noqa: F403
from config.settings.env import *  # noqa: F403
from config.settings.listening import *  # noqa: F403
from config.settings.notify import *  # noqa: F403
from config.settings.observability import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.serving import *  # noqa: F403
from config.settings.social import *  # noqa: F403
from config.settings.sos import *  # noqa: F403
