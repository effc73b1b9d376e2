"""A made-up year of a mission's consular work, for the demo (`performance_demo`, small) and the benchmark
(benchmarks/bench_performance.py, a large mission's volume): appointments kept and missed, queue tickets with
their waits, applications with their status history, complaints and SOS cases (benchmark only) and IKM answers.
Everything is written in bulk and lies in the past (before today, mission-local), so that nothing here is open
work for an officer: no live booking, no waiting ticket, no open case. The references start with "Z" (demo
rows), the citizens are the caller's."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from embassy.applications.models import Application, StatusEvent
from embassy.applications.models import Status as AppStatus
from embassy.applications.workdays import add_working_days, is_working_day
from embassy.complaints.models import Category, Complaint
from embassy.consular.models import Booking, Service, Slot
from embassy.counter.models import Ticket
from embassy.missions.models import Mission
from embassy.performance.ikm import FIELDS
from embassy.performance.models import Subject, SurveyInvite, SurveyResponse
from embassy.sos.models import Case

BATCH = 2000


@dataclass(frozen=True)
class Ctx:
    mission: Mission
    tz: ZoneInfo
    days: list[dt.date]
    services: list[Service]
    citizens: Sequence[int]
    rng: random.Random
    tag: str


@dataclass(frozen=True)
class Volume:
    """A year's rows. The benchmark's default is a large mission (KBRI Kuala Lumpur's order of magnitude)."""

    bookings: int = 60_000
    tickets: int = 90_000
    applications: int = 36_000
    complaints: int = 6_000
    sos: int = 2_500
    responses: int = 6_000

    def scaled(self, factor: float) -> Volume:
        return Volume(*(max(0, round(v * factor)) for v in (self.bookings, self.tickets, self.applications,
                                                             self.complaints, self.sos, self.responses)))


def _days(today: dt.date) -> list[dt.date]:
    """The working days of the last 365 days, today excluded."""
    return [d for d in (today - dt.timedelta(days=n) for n in range(365, 0, -1)) if is_working_day(d)]


def _at(day: dt.date, tz: ZoneInfo, rng: random.Random, start_h: float = 8.5, end_h: float = 15.0) -> dt.datetime:
    seconds = int(rng.uniform(start_h, end_h) * 3600)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz) + dt.timedelta(seconds=seconds)


def _services(mission: Mission) -> list[Service]:
    return list(Service.objects.filter(mission__isnull=True, active=True).order_by("order", "code")[:6])


def _bookings(c: Ctx, n: int) -> None:
    mission, tz, days, services, citizens, rng, tag = c.mission, c.tz, c.days, c.services, c.citizens, c.rng, c.tag
    per_day = max(1, -(-n // len(days)))
    slots = [Slot(mission=mission, service=None, starts_at=dt.datetime.combine(d, dt.time(9), tzinfo=tz),
                  ends_at=dt.datetime.combine(d, dt.time(15), tzinfo=tz), capacity=min(per_day, 32000),
                  released_at=dt.datetime.combine(d, dt.time(9), tzinfo=tz) - dt.timedelta(days=30))
             for d in days]
    Slot.objects.bulk_create(slots, batch_size=BATCH)
    rows: list[Booking] = []
    for i in range(n):
        slot = slots[i % len(slots)]
        roll = rng.random()
        status = (Booking.Status.ATTENDED if roll < 0.84 else Booking.Status.NO_SHOW if roll < 0.94
                  else Booking.Status.CANCELLED)
        rows.append(Booking(reference=f"Z{tag}{i:08d}"[:12], slot=slot, place=i // len(slots) + 1,
                            service=services[i % len(services)], citizen_id=citizens[i % len(citizens)],
                            identity=f"demo:{tag}:{i}", status=status,
                            created_at=slot.starts_at - dt.timedelta(days=rng.randint(1, 30))))
    Booking.objects.bulk_create(rows, batch_size=BATCH)


def _tickets(c: Ctx, n: int) -> list[Ticket]:
    mission, tz, days, services, rng, tag = c.mission, c.tz, c.days, c.services, c.rng, c.tag
    rows: list[Ticket] = []
    numbers: dict[tuple[dt.date, str], int] = {}
    for i in range(n):
        day = days[i % len(days)]
        walk_in = rng.random() < 0.3
        letter = "B" if walk_in else "A"
        numbers[(day, letter)] = number = numbers.get((day, letter), 0) + 1
        issued = _at(day, tz, rng)
        wait = dt.timedelta(minutes=min(rng.lognormvariate(2.7, 0.6), 240))  # median ~15 minutes
        served = rng.random() < 0.93
        rows.append(Ticket(mission=mission, day=day, letter=letter, number=number,
                           kind=Ticket.Kind.WALK_IN if walk_in else Ticket.Kind.APPOINTMENT,
                           service=services[i % len(services)],
                           status=Ticket.Status.DONE if served else Ticket.Status.NO_SHOW,
                           token=f"demo-{tag}-{i}", issued_at=issued, queued_at=issued, called_at=issued + wait,
                           announced_at=issued + wait, calls=1, served_at=issued + wait if served else None,
                           finished_at=issued + wait + dt.timedelta(minutes=8) if served else None))
    return Ticket.objects.bulk_create(rows, batch_size=BATCH)


def _applications(c: Ctx, n: int) -> None:
    mission, tz, days, services, citizens, rng, tag = c.mission, c.tz, c.days, c.services, c.citizens, c.rng, c.tag
    apps: list[Application] = []
    plans: list[tuple[str, dt.datetime | None, dt.datetime | None]] = []
    last = days[-1]
    for i in range(n):
        day = days[i % len(days)]
        service = services[i % len(services)]
        target = service.target_days if service.target_days is not None else 5
        submitted = _at(day, tz, rng, 0, 23.9)
        due = add_working_days(day, target)
        late = rng.random() < 0.12
        work = add_working_days(day, target + rng.randint(1, 4) if late else rng.randint(max(target - 3, 0), target))
        ready_at = _at(work, tz, rng, 9, 16)
        refused = rng.random() < 0.03
        if work >= last:
            plans.append((AppStatus.IN_PROCESS, None, None))
        elif refused:
            plans.append((AppStatus.REJECTED, ready_at, None))
        else:
            collected = ready_at + dt.timedelta(days=rng.randint(1, 10))
            if collected.astimezone(tz).date() >= last:
                plans.append((AppStatus.READY, ready_at, None))  # ready, not yet collected
            else:
                plans.append((AppStatus.COLLECTED, ready_at, collected))
        status, done_at, collected_at = plans[-1]
        apps.append(Application(reference=f"Z{tag}{i:08d}"[:12], mission=mission, service=service,
                                citizen_id=citizens[i % len(citizens)], status=status, target_days=target,
                                submitted_at=submitted, due_on=due,
                                updated_at=collected_at or done_at or submitted))
    Application.objects.bulk_create(apps, batch_size=BATCH)
    events: list[StatusEvent] = []
    for app, (status, done, taken) in zip(apps, plans, strict=True):
        events.append(StatusEvent(application=app, status=AppStatus.SUBMITTED, by_citizen=True, at=app.submitted_at))
        if status == AppStatus.REJECTED and done is not None:
            events.append(StatusEvent(application=app, status=status, previous=AppStatus.SUBMITTED, at=done))
        elif done is not None:
            events.append(StatusEvent(application=app, status=AppStatus.READY, previous=AppStatus.IN_PROCESS,
                                      at=done))
            if taken is not None:
                events.append(StatusEvent(application=app, status=AppStatus.COLLECTED, previous=AppStatus.READY,
                                          at=taken))
    StatusEvent.objects.bulk_create(events, batch_size=BATCH)


def _complaints(c: Ctx, n: int) -> None:
    mission, tz, days, rng, tag = c.mission, c.tz, c.days, c.rng, c.tag
    categories = list(Category.values)
    rows: list[Complaint] = []
    for i in range(n):
        filed = _at(days[i % len(days)], tz, rng, 0, 23.9)
        resolved = filed + dt.timedelta(hours=min(rng.lognormvariate(4.0, 1.0), 24 * 120))  # median ~2 days
        rows.append(Complaint(number=f"Z-{tag}-{i:07d}", mission=mission, subject_name=f"Demo {i}",
                              category=categories[i % len(categories)], status=Complaint.Status.CLOSED,
                              filed_by="self", channel="web" if rng.random() < 0.6 else "call", text="-",
                              filed_at=filed, updated_at=resolved, resolved_at=resolved,
                              closed_at=resolved + dt.timedelta(days=1)))
    Complaint.objects.bulk_create(rows, batch_size=BATCH)


def _sos(c: Ctx, n: int) -> None:
    mission, tz, days, citizens, rng = c.mission, c.tz, c.days, c.citizens, c.rng
    rows: list[Case] = []
    for i in range(n):
        raised = _at(days[i % len(days)], tz, rng, 0, 23.9)
        acked = raised + dt.timedelta(seconds=min(rng.lognormvariate(4.5, 0.9), 3600))  # median ~90 s
        rows.append(Case(citizen_id=citizens[i % len(citizens)], mission=mission, status=Case.Status.RESOLVED,
                         raised_at=raised, waiting_since=raised, acknowledged_at=acked, updated_at=acked,
                         resolved_at=acked + dt.timedelta(hours=2), alerted_at=raised))
    Case.objects.bulk_create(rows, batch_size=BATCH)


def _answers(mission: Mission, tickets: list[Ticket], n: int, rng: random.Random) -> int:
    served = [t for t in tickets if t.status == Ticket.Status.DONE and t.finished_at is not None]
    chosen = rng.sample(served, min(n, len(served)))
    invites = [SurveyInvite(kind=Subject.TICKET, subject_id=t.pk, mission=mission, service_id=t.service_id,
                            created_at=t.finished_at, sent_at=t.finished_at, answered_at=t.finished_at)
               for t in chosen if t.finished_at is not None]
    SurveyInvite.objects.bulk_create(invites, batch_size=BATCH)
    weights = {f: (0.03, 0.10, 0.52, 0.35) if f != "u4" else (0.02, 0.05, 0.40, 0.53) for f in FIELDS}
    responses = [SurveyResponse(invite=inv, mission=mission, service_id=inv.service_id, kind=inv.kind,
                                answered_at=inv.created_at,
                                **{f: rng.choices((1, 2, 3, 4), weights[f])[0] for f in FIELDS})
                 for inv in invites]
    SurveyResponse.objects.bulk_create(responses, batch_size=BATCH)
    return len(responses)


@transaction.atomic
def year_of_activity(*, mission: Mission, volume: Volume, citizens: Sequence[int], now: dt.datetime, seed: int = 1,
                     casework: bool = True) -> dict[str, int]:
    """Write `volume` of made-up activity over the last year of `mission`. `casework`: complaints and SOS cases
    as well (the benchmark; the demo leaves them to the complaints and SOS demos)."""
    rng = random.Random(seed)  # noqa: S311 (made-up figures, not secrets)
    tz = ZoneInfo(mission.timezone or "UTC")
    c = Ctx(mission, tz, _days(now.astimezone(tz).date()), _services(mission), citizens, rng,
            f"{mission.pk % 100:02d}")
    _bookings(c, volume.bookings)
    tickets = _tickets(c, volume.tickets)
    _applications(c, volume.applications)
    if casework:
        _complaints(c, volume.complaints)
        _sos(c, volume.sos)
    answered = _answers(mission, tickets, volume.responses, rng)
    return {"bookings": volume.bookings, "tickets": volume.tickets, "applications": volume.applications,
            "complaints": volume.complaints if casework else 0, "sos": volume.sos if casework else 0,
            "responses": answered}
