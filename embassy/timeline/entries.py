"""What a timeline is made of: entries, the order they come in, and the cursor of the "older" button.

The order is total: newest first by (at, source, id), so that two entries at the same microsecond still
come in one order and keyset pagination never skips or repeats one. The cursor is the key of the last entry
shown, "<microseconds since the epoch>-<source>-<id>", opaque to clients."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from embassy.common.errors import BadInput
from embassy.missions.models import Mission

StrOrPromise = str | Promise
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)
LIMIT_MAX = 200
DETAIL_MAX = 240

# The kinds an officer can filter by, in the order the filter shows them.
KINDS: dict[str, StrOrPromise] = {
    "sos": gettext_lazy("SOS"),
    "complaint": gettext_lazy("Complaints"),
    "application": gettext_lazy("Applications"),
    "crisis": gettext_lazy("Crises and answers"),
    "shelter": gettext_lazy("Shelter stays"),
    "appointment": gettext_lazy("Appointments"),
    "stay": gettext_lazy("Stays (lapor diri)"),
    "note": gettext_lazy("Calls and notes"),
}

_CURSOR = re.compile(r"^(\d{1,20})-([a-z_]{1,30})-(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    at: dt.datetime
    source: str
    id: int

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """The cursor a client sent back; BadInput (field "before") when it is not one of ours."""
        if not raw:
            return None
        match = _CURSOR.match(raw.strip())
        if match is None:
            raise BadInput(_("This is not a valid position in the timeline."), field="before")
        micros, source, pk = match.groups()
        try:
            at = EPOCH + int(micros) * MICRO
        except OverflowError:
            raise BadInput(_("This is not a valid position in the timeline."), field="before") from None
        return cls(at=at, source=source, id=int(pk))

    def __str__(self) -> str:
        return f"{(self.at - EPOCH) // MICRO}-{self.source}-{self.id}"

    def older(self, *, source: str, at_field: str) -> Q:
        """The rows of `source` that come after this cursor (older) in the timeline's order."""
        if source < self.source:
            return Q(**{f"{at_field}__lte": self.at})
        if source == self.source:
            return Q(**{f"{at_field}__lt": self.at}) | Q(**{at_field: self.at, "pk__lt": self.id})
        return Q(**{f"{at_field}__lt": self.at})


@dataclass(frozen=True)
class Entry:
    """One line of a person's history. `at` is aware UTC; `link` is "" when the source has no page for the
    reader; `citizen_visible` says whether the citizen sees this entry in their own timeline."""

    at: dt.datetime
    kind: str
    title: str
    detail: str
    mission: Mission
    link: str
    citizen_visible: bool
    source: str
    id: int

    @property
    def key(self) -> tuple[dt.datetime, str, int]:
        return (self.at, self.source, self.id)

    @property
    def cursor(self) -> Cursor:
        return Cursor(at=self.at, source=self.source, id=self.id)

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


def short(text: str, size: int = DETAIL_MAX) -> str:
    """One line of at most `size` characters (an ellipsis where it was cut)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= size else flat[: size - 1].rstrip() + "…"


def parse_kinds(values: list[str] | None) -> frozenset[str] | None:
    """The kinds asked for (None: all); BadInput (field "kinds") for a kind that does not exist."""
    chosen = frozenset(v.strip() for v in (values or []) if v and v.strip())
    if not chosen:
        return None
    unknown = chosen - KINDS.keys()
    if unknown:
        raise BadInput(_("Unknown kind: %(kind)s.") % {"kind": ", ".join(sorted(unknown))}, field="kinds")
    return chosen
