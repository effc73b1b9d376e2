"""What a listening stream reads from a platform's search, before it is stored: one `HeardItem` per post.
The streams (embassy.listening.collect) make them; embassy.listening.ingest stores them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class HeardItem:
    platform: str  # embassy.social.models.Platform
    post_id: str
    published_at: dt.datetime
    text: str = ""
    url: str = ""
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_location: str = ""  # the profile's free-text location, where the platform gives it
    lat: float | None = None  # the post's own position, where the platform gives it
    lon: float | None = None
    in_reply_to: str = ""
    is_repost: bool = False
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
