"""The product's settings plus the floor app and its endpoint (benchmarks/bench_sos.py runs the server so)."""

from django.core.exceptions import ImproperlyConfigured

from config import settings as product
from config.settings import *  # noqa: F403

FAST_PATH = "config.fastpath.ApiFastPathMiddleware"
if FAST_PATH not in product.MIDDLEWARE:
    raise ImproperlyConfigured(f"{FAST_PATH} is not in MIDDLEWARE: the floor endpoint would not be served")
INSTALLED_APPS = [*product.INSTALLED_APPS, "benchmarks.floorapp"]
MIDDLEWARE = ["benchmarks.floorapp.fastpath.FloorFastPathMiddleware" if m == FAST_PATH else m
              for m in product.MIDDLEWARE]
