"""The product's settings plus the floor app and its endpoint (benchmarks/bench_sos.py runs the server so)."""

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403

FAST_PATH = "config.fastpath.ApiFastPathMiddleware"
if FAST_PATH not in MIDDLEWARE:  # noqa: F405
    raise ImproperlyConfigured(f"{FAST_PATH} is not in MIDDLEWARE: the floor endpoint would not be served")
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.floorapp"]  # noqa: F405
MIDDLEWARE = ["benchmarks.floorapp.fastpath.FloorFastPathMiddleware" if m == FAST_PATH else m
              for m in MIDDLEWARE]  # noqa: F405
