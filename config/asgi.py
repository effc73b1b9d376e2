import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from embassy.ops.warmup import warm_up_in_background  # noqa: E402 - needs the apps loaded

warm_up_in_background()
