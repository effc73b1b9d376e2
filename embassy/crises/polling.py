"""Polling the public disaster feeds (USGS earthquakes, GDACS). Each poll is recorded (FeedPoll); a bad
item is logged and skipped, every good one is applied; a feed that cannot be fetched or parsed at all
is recorded as failed and tried again at the next poll."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import requests
from django.conf import settings

from embassy.crises.feeds import FeedError, parse_gdacs, parse_usgs
from embassy.crises.ingest import crisis_ingest
from embassy.crises.models import FeedPoll

log = logging.getLogger(__name__)
PARSERS = {"usgs": parse_usgs, "gdacs": parse_gdacs}
DEFAULT_URLS = {
    "usgs": "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_day.geojson",
    "gdacs": "https://www.gdacs.org/xml/rss.xml",
}


def feed_url(source: str) -> str:
    return str(settings.CRISIS_FEED_URLS.get(source) or DEFAULT_URLS[source])


def _fetch(url: str) -> bytes:
    response = requests.get(url, timeout=(5, 20), headers={"User-Agent": "SmartEmbassy/1 (crisis feed poller)"})
    response.raise_for_status()
    return response.content


def feed_poll(source: str, *, fetch: Callable[[str], bytes] | None = None, now: dt.datetime | None = None) -> FeedPoll:
    """Fetch, parse and apply one feed, as seen at `now` (default: now; events older than the maximum age at
    first sight are ignored); never raises for the feed's own faults."""
    poll = FeedPoll(source=source)
    try:
        document = (fetch or _fetch)(feed_url(source))
        result = PARSERS[source](document)
    except (requests.RequestException, FeedError) as exc:
        log.warning("crisis feed %s: %s", source, exc)
        poll.errors = [str(exc)[:500]]
        poll.save()
        return poll
    poll.ok = True
    poll.events = len(result.events)
    poll.errors = list(result.errors)
    for event in result.events:
        try:
            _crisis, action = crisis_ingest(event=event, now=now)
        except Exception as exc:  # one event must not stop the others
            log.exception("crisis feed %s: could not apply %s", source, event.source_id)
            poll.errors.append(f"{event.source_id}: {exc}"[:500])
            continue
        poll.created += action == "created"
        poll.updated += action in ("updated", "extended")
    poll.save()
    return poll
