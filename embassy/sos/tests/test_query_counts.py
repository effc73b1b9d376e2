"""The SOS hot paths' database work, pinned by query count (not by timing, which a busy machine breaks). Each
count is what the code does today, measured warm (the routing index, the mission cache and the hotline loaded
by an earlier press), and each number says where its queries go. A change that adds a query to one of these
paths changes the number here and says why. (The roll-call answer: crises/tests/test_fastpath_queries.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from embassy.common.tests.factories import bearer, make_citizen_user, staff_client
from embassy.missions import contact, routing
from embassy.sos import present
from embassy.sos.tests.helpers import KL, _post

pytestmark = pytest.mark.django_db


def _press(client: Client, key: str, auth: dict[str, str]) -> Any:
    return _post(client, "/api/v1/sos/alerts", {"idempotency_key": key, **KL}, auth)


@pytest.fixture(autouse=True)
def _steady(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process caches do not expire during a test, however slow the machine: the router's version check
    (one query at most every 3 s) and the one-minute mission and hotline caches are not part of a request."""
    monkeypatch.setattr(routing, "ROUTER_CHECK_SECONDS", 3600.0)
    monkeypatch.setattr(present, "_CACHE_SECONDS", 3600.0)
    monkeypatch.setattr(contact, "_CACHE_SECONDS", 3600.0)


@pytest.fixture
def warm(client: Client) -> None:
    """One press by someone else first, as on a running server."""
    assert _press(client, "warm-up-1", bearer(make_citizen_user())).status_code == 201


@pytest.mark.usefixtures("warm")
def test_a_press_on_the_fast_path_costs_nine_queries_and_its_retry_three(
        client: Client, django_assert_num_queries: Any) -> None:
    auth = bearer(make_citizen_user())
    # 1 the bearer token with its user, 1 its last use (written at most every five minutes; this is its
    # first use), 1 the citizen's situation (replay? open case? active stay?), then the write transaction:
    # SAVEPOINT (the test runs in a transaction; on a server, the transaction's own), case, position, alert,
    # timeline entry, RELEASE. The duty officers' messages are not in it: the worker writes them after commit
    # (sos.notices).
    with django_assert_num_queries(9):
        assert _press(client, "first-press-1", auth).status_code == 201
    # 1 the token (its last use is fresh: not written), 1 the situation (the key was seen), 1 the case to
    # answer with.
    with django_assert_num_queries(3):
        assert _press(client, "first-press-1", auth).status_code == 200


def test_the_console_queue_costs_ten_queries_however_many_cases(
        client: Client, kl_officer: Any, django_assert_num_queries: Any) -> None:
    web = staff_client(kl_officer)
    assert web.get("/konsol/sos/").status_code == 200  # warm: the first view loads what a server holds
    # 1 session, 1 user, 1 its second-factor device, 1 the officer's memberships, 1 their mission, 1 the audit
    # row of the view, 1 the queue's cases (one query, whatever their number), 1 the live cursor (latest
    # change and case), 1 whether the officer is on duty, 1 whether they may take duty (a protection role at
    # this mission: the take-duty button is shown only to them).
    for presses in (1, 4):
        for i in range(presses):
            assert _press(client, f"queue-{presses}-{i}", bearer(make_citizen_user())).status_code == 201
        with django_assert_num_queries(10):
            assert web.get("/konsol/sos/").status_code == 200
