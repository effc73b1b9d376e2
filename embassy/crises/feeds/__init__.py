"""Parsers for public disaster feeds (USGS earthquakes, GDACS). Pure Python: no models, no network.

Each parser takes the raw document (str or bytes) and returns a `ParseResult`: the events it could
read, plus one message per item it had to skip. A document that cannot be read at all raises
`FeedError`.
"""

from embassy.crises.feeds.common import FeedError, FeedEvent, ParseResult
from embassy.crises.feeds.gdacs import parse_gdacs
from embassy.crises.feeds.usgs import parse_usgs

__all__ = ["FeedError", "FeedEvent", "ParseResult", "parse_gdacs", "parse_usgs"]
