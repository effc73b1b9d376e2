import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - configured by now

from config.proxy_headers import ProxyHeaders  # noqa: E402
from embassy.ops.warmup import warm_up_in_background  # noqa: E402 - needs the apps loaded

application = ProxyHeaders(django_application, settings.FORWARDED_ALLOW_IPS)
warm_up_in_background()
