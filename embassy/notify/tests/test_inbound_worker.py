"""Inbound texts are stored by the webhook and handed to the apps by the worker (notify.inbound): the vendor is
answered once the message is stored; the worker's task takes the waiting messages oldest first, many per write
transaction, each in a savepoint of its own; a handler that fails undoes only its own message, which the
periodic run tries again and finally marks "failed", text kept; a lost kick delays a message, never loses it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from embassy.common.tests.factories import make_staff
from embassy.missions.models import Role
from embassy.notify import inbound, inbox
from embassy.notify.inbound import inbound_pending
from embassy.notify.models import Inbound, Message, OptOut
from embassy.notify.providers import Account
from embassy.notify.providers import Inbound as InboundItem
from embassy.notify.specs import MessageSpec
from embassy.notify.tests.test_providers_core import MY, make_account, post_hook
from embassy.notify.tests.vendor_server import VendorServer
from embassy.sos.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def adapter() -> Iterator[VendorServer]:
    with VendorServer() as server:
        yield server


@pytest.fixture
def flaky() -> Iterator[dict[str, Any]]:
    """A handler ahead of the apps' that takes texts starting with "z": it writes (an opt-out row), then fails
    while state["fail"] is true."""
    state: dict[str, Any] = {"fail": True, "seen": []}

    def handler(msg: inbox.InboundText) -> inbox.Outcome | None:
        if not msg.text.startswith("z"):
            return None
        state["seen"].append(msg.text)
        OptOut.objects.create(channel="sms", address=f"+6000{msg.id:07d}", word="half-done")
        if state["fail"]:
            raise RuntimeError("the handler's database is having a bad day")
        return inbox.Outcome("z-taken", ref=f"z:{msg.id}")

    inbox.on_inbound("z-test-flaky", handler, order=1)
    try:
        yield state
    finally:
        inbox._HANDLERS[:] = [h for h in inbox._HANDLERS if h[1] != "z-test-flaky"]


def _waiting(text: str, n: int) -> Inbound:
    """A message stored without a kick (as if the kick had been lost)."""
    return Inbound.objects.create(account="gen", provider_id=f"lost-{n}", channel="sms", sender=MY, text=text)


def test_the_webhook_answers_once_stored_and_the_worker_takes_it_from_the_queue(adapter: VendorServer,
                                                                                 settings: Any) -> None:
    """With the database backend (as `make run`), the webhook's transaction stores the text and queues one task;
    nothing else is done until the worker runs it."""
    make_account("gen", adapter.url)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": django_settings.TASKS["default"]["QUEUES"]}}
    for n in range(3):
        answer = post_hook("gen", {"inbound": [{"id": f"in-{n}", "from": f"+6012345678{n}", "text": "SOS tolong"}]})
        assert answer.status_code == 200
    assert list(Inbound.objects.values_list("outcome", "handled_at")) == [("", None)] * 3
    assert not Case.objects.exists()
    queued = DBTaskResult.objects.filter(task_path="embassy.notify.inbound.inbound_run")
    assert queued.count() == 1  # one kick for the three: the first is still pending

    assert inbound.inbound_run.call() == 3  # what the worker does with the queued task
    rows = list(Inbound.objects.order_by("id"))
    assert [r.outcome for r in rows] == ["sos"] * 3
    assert all(r.handled_at is not None and r.handled_at >= r.received_at for r in rows)
    assert Case.objects.count() == 3


def test_a_failing_handler_undoes_only_its_own_message_which_is_tried_again(flaky: dict[str, Any]) -> None:
    first, boom, last = _waiting("halo", 1), _waiting("z boom", 2), _waiting("apa kabar", 3)
    assert inbound.inbound_handle() == 3
    states = {r.pk: (r.outcome, r.tries) for r in Inbound.objects.all()}
    # The sos app's: the first text opens a conversation in the duty queue, the next joins it.
    assert (states[first.pk][0], states[last.pk][0]) == ("conversation", "case-message")
    assert states[boom.pk] == ("", 1)
    assert not OptOut.objects.exists()  # what the failed handler wrote went with its savepoint
    assert inbound.inbound_handle() == 0  # the worker's kicked run leaves it to the periodic one

    flaky["fail"] = False
    assert inbound_pending.call() == 1
    row = Inbound.objects.get(pk=boom.pk)
    assert (row.outcome, row.ref, row.tries) == ("z-taken", f"z:{boom.pk}", 1) and row.handled_at is not None
    assert OptOut.objects.count() == 1


def test_a_message_that_keeps_failing_is_marked_failed_with_its_text_kept_and_sent_to_staff(
        flaky: dict[str, Any]) -> None:
    """Its words reach people who can act on them by hand: headquarters' analysts here (the receiving account
    serves no mission in particular), once, in their language, with the time and its zone."""
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    analyst.language = "en"
    analyst.save(update_fields=["language"])
    make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER)  # not a protection role: not told
    row = _waiting("z again and again", 1)
    inbound.inbound_handle()
    for _ in range(inbound.MAX_TRIES + 2):
        inbound_pending.call()
    row.refresh_from_db()
    assert (row.outcome, row.tries, row.text) == ("failed", inbound.MAX_TRIES, "z again and again")
    assert row.handled_at is not None and len(flaky["seen"]) == inbound.MAX_TRIES
    notices = list(Message.objects.filter(kind="notify.inbound-failed"))
    assert [(m.channel, m.address, m.user_id) for m in notices] == [("email", analyst.email, analyst.pk)]
    assert notices[0].subject == f"A text from {MY} could not be processed"
    assert "\u201cz again and again\u201d" in notices[0].body and "UTC" in notices[0].body


def test_a_lost_kick_delays_a_message_but_the_periodic_run_takes_it() -> None:
    rows = [_waiting(f"pesan {n}", n) for n in range(inbound.CHUNK + 5)]  # more than one write transaction holds
    assert inbound_pending.call() == len(rows)
    outcomes = list(Inbound.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["conversation"] + ["case-message"] * (len(rows) - 1)  # in order, one sender
    assert Case.objects.count() == 1


def test_a_message_taken_by_another_worker_between_the_reads_and_the_writes_is_skipped() -> None:
    row = _waiting("halo", 1)
    called: list[int] = []

    def other_worker(msg: inbox.InboundText) -> None:  # runs before the write transaction, as `prepare` does
        Inbound.objects.filter(pk=msg.id).update(outcome="conversation", handled_at=timezone.now())

    inbox.on_inbound("z-test-race", lambda msg: called.append(msg.id), order=1, prepare=other_worker)
    try:
        assert inbound.inbound_handle() == 0
    finally:
        inbox._HANDLERS[:] = [h for h in inbox._HANDLERS if h[1] != "z-test-race"]
    assert called == [] and not Case.objects.exists()
    assert Inbound.objects.get(pk=row.pk).outcome == "conversation"


def test_an_answer_that_cannot_be_queued_is_left_out_and_the_batch_stands() -> None:
    """A handler's answer on a channel that does not exist (a bug) is logged; the texts are handled all the same,
    and the good answers of the batch are queued."""
    def answering(msg: inbox.InboundText) -> inbox.Outcome | None:
        channel = "pigeon" if msg.text == "bad" else "sink"
        return inbox.Outcome("answered", replies=(MessageSpec(channel=channel, address=f"user:{msg.id}",
                                                              subject="Halo", body="Halo", kind="z-test"),))

    inbox.on_inbound("z-test-answers", answering, order=1)
    try:
        rows = [_waiting("good", 1), _waiting("bad", 2), _waiting("good", 3)]
        assert inbound.inbound_handle() == 3
    finally:
        inbox._HANDLERS[:] = [h for h in inbox._HANDLERS if h[1] != "z-test-answers"]
    assert set(Inbound.objects.values_list("outcome", flat=True)) == {"answered"}
    assert sorted(Message.objects.filter(kind="z-test").values_list("address", flat=True)) == [
        f"user:{rows[0].pk}", f"user:{rows[2].pk}"]


# --- A long text that the vendor delivers part by part (Vonage's concat-ref / concat-total / concat-part) ------
# What static/sos/panic.js prefills (with the name), longer than one SMS: it arrives in two parts, cut anywhere.
LONG_SOS = ("Siti Aminah binti Abdullah: SOS! Saya butuh bantuan. Posisi saya: 3.13900,101.68690 (+/-12 m) "
            "https://osm.org/?mlat=3.13900&mlon=101.68690")
ACCOUNT = Account(key="gen", vendor="vonage", channel="sms")


def _part(text: str, number: int, total: int, *, ref: str = "7", vid: str = "", sender: str = MY) -> bool:
    item = InboundItem(provider_id=vid or f"0A{ref}{number}", sender=sender, to="+60312345678", text=text,
                       part=(ref, total, number))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inbound.inbound_store(ACCOUNT, item)[1]


def test_parts_are_kept_until_the_text_is_whole_then_handed_over_once_as_one_sos(adapter: VendorServer) -> None:
    make_account("gen", adapter.url)
    cut = 110  # the position's digits are split between the parts
    assert _part(LONG_SOS[cut:], 2, 2)  # the second part first: vendors do not keep the order
    assert not Case.objects.exists() and Inbound.objects.get().outcome == inbound.PART
    assert not _part(LONG_SOS[cut:], 2, 2)  # the vendor's retry of that part: nothing more
    assert _part(LONG_SOS[:cut], 1, 2)
    whole = Inbound.objects.get(outcome="sos")
    assert whole.text == LONG_SOS and whole.provider_id == "joined:0A71" and whole.handled_at is not None
    parts = Inbound.objects.filter(outcome=inbound.JOINED)
    assert parts.count() == 2 and {p.ref for p in parts} == {f"inbound:{whole.pk}"}
    case = Case.objects.get()
    assert (case.lat, case.lon) == pytest.approx((3.139, 101.6869), abs=1e-6)
    assert not _part(LONG_SOS[:cut], 1, 2)  # a retry after the text was handed over
    assert inbound.parts_sweep() == 0
    assert Case.objects.count() == 1 and Inbound.objects.count() == 3


def test_a_missing_part_holds_the_text_for_a_minute_then_it_goes_with_the_gap_marked() -> None:
    assert _part("SOS! Saya butuh bantuan. ", 1, 3, ref="42")
    assert _part(" (+/-12 m)", 3, 3, ref="42")
    assert _part("Hello, another long text", 1, 2, ref="42", vid="0B1", sender="+60123456780")  # same ref, other sender
    assert inbound.parts_sweep() == 0  # too early: the middle part may still come
    later = timezone.now() + inbound.PART_WAIT + dt.timedelta(seconds=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert inbound.parts_sweep(now=later) == 2
    texts = dict(Inbound.objects.exclude(outcome__in=[inbound.PART, inbound.JOINED]).values_list("sender", "text"))
    assert texts == {MY: "SOS! Saya butuh bantuan. [\u2026] (+/-12 m)", "+60123456780": "Hello, another long text[\u2026]"}
    assert not Inbound.objects.filter(outcome=inbound.PART).exists()


def test_the_sweep_joins_a_set_whose_last_parts_missed_each_other() -> None:
    """On PostgreSQL the last two parts can be stored by two transactions at once, neither seeing the other: the
    periodic sweep joins a complete set at once, and once only."""
    for number, text in ((1, "TOLONG saya di "), (2, "Jeddah")):
        Inbound.objects.create(account="gen", provider_id=f"p{number}", channel="sms", sender=MY, text=text,
                               outcome=inbound.PART, ref=f"part:9:2:{number}")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert inbound.parts_sweep() == 1
    assert inbound.parts_sweep() == 0
    assert list(Inbound.objects.filter(provider_id="joined:p1").values_list("text", flat=True)) == [
        "TOLONG saya di Jeddah"]
