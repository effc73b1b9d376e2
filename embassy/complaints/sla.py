"""Service levels: how long each level has to act on a complaint before it turns amber and then runs out
(red: escalated to the next level), per category. Wanted as a setting (report): COMPLAINT_SERVICE_LEVELS.

The clock of a level starts when the complaint reaches it (filed, escalated, reopened, or resumed after waiting
on the complainant) and stops when it is resolved or closed. Marking a complaint "in progress" does not stop it:
only resolving does. Defaults, chosen so that a danger to life or liberty is looked at within hours and
paperwork within working days:

- trafficking, abuse: 2 h amber, 4 h red — a person may be in danger now;
- whereabouts unknown: 6 h amber, 12 h red — the first hours of a search matter most;
- detention, death: 12 h amber, 24 h red — a detainee's first consular contact and a family's first call;
- unpaid salary, documents: 3 days amber, 5 days red — casework with employers, agencies and registries;
- other: 5 days amber, 7 days red.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from embassy.complaints.models import Category, Complaint, Level

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

# category → (amber after, red after) for each level's clock
SERVICE_LEVELS: dict[str, tuple[dt.timedelta, dt.timedelta]] = {
    Category.TRAFFICKING: (2 * H, 4 * H),
    Category.ABUSE: (2 * H, 4 * H),
    Category.WHEREABOUTS: (6 * H, 12 * H),
    Category.DETENTION: (12 * H, 24 * H),
    Category.DEATH: (12 * H, 24 * H),
    Category.UNPAID_SALARY: (3 * D, 5 * D),
    Category.DOCUMENTS: (3 * D, 5 * D),
    Category.OTHER: (5 * D, 7 * D),
}
TOP = Level.HEADQUARTERS  # no level above: the clock stops there (the complaint stays red)


def clock(category: str, level: int, start: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(amber_at, due_at) of a level's clock started at `start`; (None, None) at headquarters."""
    if level >= TOP:
        return None, None
    amber, red = SERVICE_LEVELS[category]
    return start + amber, start + red


@dataclass(frozen=True)
class Rag:
    code: str  # red | amber | green | waiting | done
    label: str

    @property
    def colour(self) -> str:
        return self.code if self.code in ("red", "amber", "green") else "grey"


def rag(complaint: Complaint, now: dt.datetime) -> Rag:
    """The complaint's colour, with the words that say it (colour is never the only signal)."""
    if complaint.status not in Complaint.ACTIVE:
        return Rag("done", str(_("resolved")) if complaint.status == Complaint.Status.RESOLVED else str(_("closed")))
    if complaint.level > Level.OFFICER or (complaint.due_at is not None and complaint.due_at <= now):
        return Rag("red", str(_("red: escalated")) if complaint.level > Level.OFFICER else str(_("red: overdue")))
    if complaint.waiting_since is not None:
        return Rag("waiting", str(_("clock paused: waiting on the complainant")))
    if complaint.amber_at is not None and complaint.amber_at <= now:
        return Rag("amber", str(_("amber: due soon")))
    return Rag("green", str(_("green: on time")))
