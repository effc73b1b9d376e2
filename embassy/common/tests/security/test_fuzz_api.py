"""Schemathesis fuzzes every operation of the API in-process (the WSGI application, no network): anonymous,
as a citizen (bearer token) and as a protection officer (bearer token), in turn. No generated request may make
the API answer 500. Derandomised (the same examples on every run), bounded to a few examples per operation so
that the whole walk stays about a minute on two cores: set FUZZ_EXAMPLES to dig deeper locally."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings

from embassy.citizens.services import stay_register
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
_turn = itertools.count()


class InTestTransaction:
    """Django's WSGI application with the test client's one change: a request does not close the database
    connection, so that it runs inside the test's transaction (and sees the test's data)."""

    def __init__(self) -> None:
        self.app = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", InTestTransaction())


@pytest.fixture
def identities() -> dict[str, dict[str, str]]:
    """Anonymous, a citizen with a stay in Kuala Lumpur, and that mission's protection officer."""
    citizen = make_citizen_user()
    stay_register(citizen=citizen.citizen, actor=citizen, lat=3.1390, lon=101.6869,
                  start_date=timezone.now().date())
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    return {"anonymous": {}, "citizen": _auth(bearer(citizen)), "officer": _auth(bearer(officer))}


def _auth(meta: dict[str, str]) -> dict[str, str]:
    return {"Authorization": meta["Authorization"]}


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=False,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_api_answer_500(case: Any, identities: dict[str, dict[str, str]]) -> None:
    # each generated request goes out as the next identity in turn: every identity gets a third of the examples
    who = list(identities)[next(_turn) % len(identities)]
    response = case.call(headers=identities[who])
    assert response.status_code < 500, f"{who}: {case.method} {case.formatted_path} → {response.status_code}"
