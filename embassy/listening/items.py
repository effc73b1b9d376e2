"""What a listening stream reads from a platform's search, before it is stored: one `HeardItem` per post.
The streams (embassy.listening.collect) make them; embassy.listening.ingest stores them."""

from __future__ import annotations

from dataclasses import dataclass

from embassy.social.collectors import SearchItem


@dataclass(frozen=True, kw_only=True)
class HeardItem(SearchItem):
    """A search result with the platform it came from (the collectors' SearchItem knows only the post)."""

    platform: str  # embassy.social.models.Platform
