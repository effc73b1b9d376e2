"""Helpers shared by the SOS services: the timeline, positions and free text."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone

from embassy.accounts.models import User
from embassy.sos.models import Case, Event

MAX_TEXT = 4000


def event_add(case: Case, kind: str, *, actor: User | None = None, text: str = "", data: dict[str, Any] | None = None,
              public: bool = False, from_citizen: bool = False, at: dt.datetime | None = None) -> Event:
    """Append to the timeline and bump the case's live cursor (the caller saves other case fields)."""
    at = at or timezone.now()
    event = Event.objects.create(case=case, at=at, kind=kind, actor=actor if actor and actor.pk else None,
                                 text=text, data=data or {}, public=public, from_citizen=from_citizen)
    Case.objects.filter(pk=case.pk).update(updated_at=at)
    case.updated_at = at
    return event


def parse_location(lat: Any, lon: Any, accuracy: Any) -> tuple[float, float, float | None] | None:
    """A usable position, or None when missing, malformed or out of range. Never raises: an SOS with a
    bad position is still an SOS."""
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo)) or not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None
    acc: float | None
    try:
        acc = float(accuracy) if accuracy is not None else None
    except (TypeError, ValueError):
        acc = None
    if acc is not None and (not math.isfinite(acc) or acc < 0):
        acc = None
    if acc is not None:
        acc = min(acc, 1_000_000.0)
    return la, lo, acc


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]
