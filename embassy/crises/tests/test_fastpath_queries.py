"""The roll-call answer's database work on the fast path (config.fastpath), pinned by query count, not timing.
Measured warm; each number says where its queries go (see also sos/tests/test_query_counts.py)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from embassy.citizens.models import Citizen
from embassy.citizens.services import stay_register
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.links import link_token
from embassy.crises.models import Affected
from embassy.crises.services import crisis_declare
from embassy.missions.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollcall_channels")]


def test_an_answer_through_its_link_costs_five_queries_and_its_replay_four(
        django_assert_num_queries: Any) -> None:
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.fastpath"))
    people = []
    for name in ("Siti", "Budi"):
        citizen = Citizen.objects.create(full_name=name, phone="+60123456789")
        stay_register(citizen=citizen, actor=None, lat=3.14, lon=101.69, start_date=dt.date(2026, 1, 1))
        people.append(citizen)
    crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                            radius_km=30)
    tokens = [link_token(Affected.objects.get(crisis=crisis, citizen=c).pk, crisis.pk) for c in people]
    app = Client()

    def answer(token: str, answer: str) -> Any:
        body = json.dumps({"crisis": crisis.pk, "token": token, "answer": answer})
        return app.post("/api/v1/rollcall/answer", body, content_type="application/json")

    assert answer(tokens[0], "safe").json()["recorded"] is True  # warm, as on a running server
    # SAVEPOINT (the test runs in a transaction; on a server, the transaction's own), 1 the person's row with
    # their crisis, 1 the answer set on it (only if it changed), 1 the answer's history row, RELEASE. No
    # cookies: no session.
    with django_assert_num_queries(5):
        assert answer(tokens[1], "safe").json()["recorded"] is True
    # The same answer again (a replayed link): the UPDATE changes nothing, so no history row.
    with django_assert_num_queries(4):
        assert answer(tokens[1], "safe").json()["recorded"] is False
