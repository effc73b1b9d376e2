"""Load the in-memory indexes (country boundaries, mission routing) and the code the first SOS runs (URL
patterns, the notification channels, the message catalogues) when a server process starts, in a
background thread, so that the first panic-button or lapor-diri request does not pay for it; a task worker
(manage.py run_worker) loads them before it takes its first task (the first SOS by SMS must not either)."""

from __future__ import annotations

import gc
import logging
import threading

from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import translation

from embassy.geo.boundaries import get_country_resolver
from embassy.geo.gazetteer import search
from embassy.missions.routing import get_router
from embassy.notify.channels import channel_available
from embassy.notify.models import CHANNELS

log = logging.getLogger(__name__)
WARM = threading.Event()  # set once this process's indexes are loaded (reported by /healthz)


def warm_up() -> None:
    try:
        get_country_resolver()
        get_router()
        search("warm")  # the place names for lapor diri and the maps (built once into var/cache, ~3 s)
        # What the first SOS would otherwise load while it holds the database's write lock (a worker's first
        # fan-out held it ~200 ms): the URL patterns (links in messages; the API's schemas), each channel's
        # module and settings, and the message catalogues.
        reverse("healthz")
        for channel in CHANNELS:
            channel_available(channel)
        for code, _name in settings.LANGUAGES:
            translation.activate(code)  # loads its catalogue
        translation.deactivate()
        # The indexes are hundreds of thousands of long-lived objects. Left to the collector, every full
        # collection walks them all (~60 ms with the process stalled, at random moments, possibly while
        # holding the database write lock). Frozen, they are never scanned.
        gc.collect()
        gc.freeze()
        WARM.set()
    except Exception:  # a missing table before the first migrate must not stop the server
        log.warning("warm-up skipped", exc_info=True)
    finally:
        connections.close_all()


def warm_up_in_background() -> None:
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
