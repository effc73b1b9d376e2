"""The queue's rules as a clerk and a person in the queue meet them: numbers per letter and mission-local day,
priority first and appointments on time before walk-ins, a counter calling only what it serves, transfers that
keep a person's place, no-shows, the waiting-time estimate, and the figures for the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings

from embassy.common.errors import BadInput, Conflict
from embassy.consular.models import Counter
from embassy.counter import queue, selectors, services
from embassy.counter.models import Ticket
from embassy.counter.tests.helpers import MINUTE, NOW, counter, fresh, officer, service, singapore

pytestmark = pytest.mark.django_db


def walk_in(at: dt.datetime, priority: str = "", code: str = "passport-renewal") -> Ticket:
    return services.ticket_walk_in(mission=singapore(), service=service(code), priority=priority, now=at)


def test_numbers_run_per_letter_and_start_again_on_the_missions_next_day() -> None:
    labels = [walk_in(NOW).label, walk_in(NOW).label, walk_in(NOW, "elderly").label, walk_in(NOW).label]
    assert labels == ["B001", "B002", "P001", "B003"]
    # 23:30 UTC is already Tuesday in Singapore: a new day, a new series
    tuesday = walk_in(dt.datetime(2027, 1, 4, 16, 30, tzinfo=dt.UTC))
    assert (tuesday.label, tuesday.day) == ("B001", dt.date(2027, 1, 5))
    assert len({t.token for t in Ticket.objects.all()}) == 5  # each holder's link is its own
    with pytest.raises(BadInput):
        walk_in(NOW, "vip")
    # the database itself refuses a second B001 of the day, whatever a future code path might do
    b1 = Ticket.objects.get(letter="B", number=1, day=dt.date(2027, 1, 4))
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            mission=b1.mission, day=b1.day, letter="B", number=1, kind=b1.kind, service=b1.service,
            token="another", issued_at=NOW, queued_at=NOW,
        )  # fmt: skip


def test_priority_first_then_appointments_on_time_then_by_arrival() -> None:
    mission = singapore()
    clerk = officer()
    early = walk_in(NOW - 30 * MINUTE)  # B001, came first
    later_appointment = Ticket.objects.create(  # A001: checked in early for 10:30
        mission=mission, day=early.day, letter="A", number=1, kind=Ticket.Kind.APPOINTMENT, service=service(),
        token="t-a1", issued_at=NOW - 25 * MINUTE, queued_at=NOW - 25 * MINUTE, due_at=NOW + 30 * MINUTE,
    )  # fmt: skip
    on_time = Ticket.objects.create(  # A002: appointment at 09:50, checked in at 09:45
        mission=mission, day=early.day, letter="A", number=2, kind=Ticket.Kind.APPOINTMENT, service=service(),
        token="t-a2", issued_at=NOW - 15 * MINUTE, queued_at=NOW - 15 * MINUTE, due_at=NOW - 10 * MINUTE,
    )  # fmt: skip
    elderly = walk_in(NOW - 5 * MINUTE, "elderly")  # P001
    last = walk_in(NOW - 1 * MINUTE)  # B002
    assert selectors.ticket_view(ticket=last, now=NOW).ahead == 4
    assert selectors.ticket_view(ticket=elderly, now=NOW).ahead == 0
    loket = counter(mission, "Loket 1")
    called = []
    for _ in range(5):
        t = services.ticket_call_next(actor=clerk, counter=loket, now=NOW)
        assert t is not None
        called.append(t.label)
        services.ticket_finish(actor=clerk, ticket=t, now=NOW)
    assert called == [elderly.label, on_time.label, early.label, later_appointment.label, last.label]
    assert services.ticket_call_next(actor=clerk, counter=loket, now=NOW) is None


def test_a_counter_calls_only_its_services_and_one_ticket_at_a_time() -> None:
    mission = singapore()
    clerk = officer()
    legal = Counter.objects.create(mission=mission, name="Loket Legalisasi")
    legal.services.set([service("legalisation")])
    passport = walk_in(NOW - 10 * MINUTE)
    stamp = walk_in(NOW - 5 * MINUTE, code="legalisation")
    assert services.ticket_call_next(actor=clerk, counter=legal, now=NOW) == stamp
    with pytest.raises(Conflict):  # finish the one at the counter first
        services.ticket_call_next(actor=clerk, counter=legal, now=NOW)
    services.ticket_finish(actor=clerk, ticket=stamp, now=NOW)
    assert (
        services.ticket_call_next(actor=clerk, counter=legal, now=NOW) is None
    )  # the passport is not for it
    assert services.ticket_call_next(actor=clerk, counter=counter(mission, "Loket 1"), now=NOW) == passport


def test_a_transferred_ticket_keeps_its_place_and_waits_for_the_counter_it_was_sent_to() -> None:
    mission = singapore()
    clerk = officer()
    one, two = counter(mission, "Loket 1"), counter(mission, "Loket 2")
    first = walk_in(NOW - 20 * MINUTE)
    second = walk_in(NOW - 10 * MINUTE)
    called = services.ticket_call_next(actor=clerk, counter=one, now=NOW)
    assert called == first
    services.ticket_serve(actor=clerk, ticket=first, now=NOW)
    moved = services.ticket_transfer(actor=clerk, ticket=first, counter=two, service=service("legalisation"),
                                     now=NOW + MINUTE)  # fmt: skip
    assert (moved.status, moved.counter, moved.service.code, moved.transfers) == (
        "waiting",
        two,
        "legalisation",
        1,
    )
    assert moved.queued_at == first.queued_at  # its place in the queue, not the time of the transfer
    third = walk_in(NOW + 2 * MINUTE)
    # Loket 1 no longer calls it; Loket 2 calls it before the people who came after it
    assert services.ticket_call_next(actor=clerk, counter=one, now=NOW + 3 * MINUTE) == second
    assert services.ticket_call_next(actor=clerk, counter=two, now=NOW + 3 * MINUTE) == first
    assert fresh(third).status == "waiting"
    with pytest.raises(BadInput):  # a transfer names where to
        services.ticket_transfer(actor=clerk, ticket=first, now=NOW)


def test_no_show_frees_the_counter_and_leaves_the_display() -> None:
    mission = singapore()
    clerk = officer()
    loket = counter(mission, "Loket 1")
    ticket = walk_in(NOW - 10 * MINUTE)
    services.ticket_call_next(actor=clerk, counter=loket, now=NOW)
    recalled = services.ticket_recall(actor=clerk, ticket=ticket, now=NOW + MINUTE)
    feed = selectors.display_feed(mission=mission, now=NOW + MINUTE)
    assert [(c.number, c.counter, c.key) for c in feed.calls] == [("B001", "Loket 1", f"{ticket.pk}-2")]
    assert recalled.calls == 2 and feed.calls[0].announcement == "Nomor antrean B 0 0 1, silakan ke Loket 1"
    gone = services.ticket_no_show(actor=clerk, ticket=ticket, now=NOW + 3 * MINUTE)
    assert gone.status == "no_show"
    with pytest.raises(Conflict):  # too late to serve it
        services.ticket_serve(actor=clerk, ticket=ticket, now=NOW + 4 * MINUTE)
    assert selectors.display_feed(mission=mission, now=NOW + 4 * MINUTE).calls == []
    assert (
        services.ticket_call_next(actor=clerk, counter=loket, now=NOW + 4 * MINUTE) is None
    )  # counter is free
    figures = selectors.queue_figures(mission=mission, now=NOW + 4 * MINUTE)
    assert (figures.no_show, figures.waiting, figures.issued) == (1, 0, 1)


def test_the_estimate_is_median_service_time_times_people_ahead_over_open_counters() -> None:
    assert queue.wait_estimate(ahead=4, per_person_s=300, counters=2) == dt.timedelta(minutes=10)
    assert queue.wait_estimate(ahead=1, per_person_s=61, counters=1) == dt.timedelta(minutes=2)  # rounded up
    assert queue.wait_estimate(ahead=3, per_person_s=600, counters=0) == dt.timedelta(
        minutes=30
    )  # at least one
    assert queue.wait_estimate(ahead=0, per_person_s=600, counters=1) == dt.timedelta(0)
    with override_settings(COUNTER_DEFAULT_SERVICE_MINUTES=7, COUNTER_MIN_SAMPLES=3):
        assert queue.per_person_seconds([100.0, 200.0]) == 420  # too few samples: the default
        assert queue.per_person_seconds([240.0, 360.0, 1200.0]) == 360  # the median, not the mean

    mission = singapore()
    clerk = officer()
    one, two = counter(mission, "Loket 1"), counter(mission, "Loket 2")
    start = NOW - 35 * MINUTE  # Loket 1's last call is within the open window
    for minutes in (4, 6, 20):  # three people served at Loket 1 today: 4, 6 and 20 minutes
        walk_in(start)
        t = services.ticket_call_next(actor=clerk, counter=one, now=start)
        assert t is not None
        services.ticket_serve(actor=clerk, ticket=t, now=start)
        start += minutes * MINUTE
        services.ticket_finish(actor=clerk, ticket=t, now=start)
    waiting = [walk_in(NOW - 5 * MINUTE + n * MINUTE) for n in range(5)]
    services.ticket_call_next(actor=clerk, counter=two, now=NOW)  # Loket 2 opens: two counters are open
    view = selectors.ticket_view(ticket=waiting[4], now=NOW)
    assert view.ahead == 3  # the first of the five is at Loket 2
    assert view.estimate == dt.timedelta(minutes=9)  # 6 min × 3 ÷ 2
    assert view.expected_at == NOW + 9 * MINUTE
    figures = selectors.queue_figures(mission=mission, now=NOW)
    assert (figures.waiting, figures.called, figures.done, figures.open_counters) == (4, 1, 3, 2)
    assert figures.median_service_s == 360 and figures.estimate_new_s == 12 * 60  # 6 min × 4 ÷ 2
    assert figures.median_wait_s == 0  # the three of the morning were called as they came
    assert figures.longest_wait_now_s == 4 * 60
