"""Scoping rules (issue 9, point 5): a citizen cannot tell another person's record from a missing one, and every
refused scoped read of staff is audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from config.api import api
from embassy.accounts.models import ApiToken, AuditEvent, User
from embassy.citizens.services import contact_add, dependant_add, stay_register
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role
from embassy.sos.services import sos_raise

pytestmark = pytest.mark.django_db
MISSING = "987654321"


@pytest.fixture
def other_persons_ids() -> dict[str, str]:
    """Records of another citizen (Budi), by the name of the path parameter that addresses them."""
    budi = make_citizen_user("budi@example.com")
    stay = stay_register(citizen=budi.citizen, actor=budi, lat=3.139, lon=101.6869, start_date=dt.date(2026, 6, 1))
    case = sos_raise(user=budi, key="k1", lat=3.139, lon=101.6869).case
    bearer(budi)
    return {"case_id": str(case.pk), "stay_id": str(stay.pk), "citizen_id": str(budi.citizen.pk),
            "contact_id": str(contact_add(citizen=budi.citizen, actor=budi, name="Ibu", phone="+6281234567890").pk),
            "dependant_id": str(dependant_add(citizen=budi.citizen, actor=budi, full_name="Adi").pk),
            "token_id": str(ApiToken.objects.get(user=budi).pk)}


def _answer(response: Any) -> tuple[int, bytes]:
    return response.status_code, response.content


def test_a_citizen_gets_the_same_404_for_another_persons_record_as_for_a_missing_one(other_persons_ids: dict) -> None:
    wati = bearer(make_citizen_user("wati@example.com"))
    compared = 0
    for path, operations in api.get_openapi_schema()["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not any(name in other_persons_ids for name in names):
            continue
        theirs = re.sub(r"{(\w+)}", lambda m: other_persons_ids.get(m.group(1), "1"), path)
        missing = re.sub(r"{(\w+)}", lambda m: MISSING if m.group(1) in other_persons_ids else "1", path)
        for method in operations:
            kwargs: dict[str, Any] = {"data": "{}", "content_type": "application/json"} if method in ("post", "put", "patch") else {}
            a = _answer(getattr(Client(), method)(theirs, **kwargs, headers=wati))
            b = _answer(getattr(Client(), method)(missing, **kwargs, headers=wati))
            assert a[0] != 500 and a == (b[0], b[1].replace(MISSING.encode(), other_persons_ids[names[0]].encode())), \
                f"{method.upper()} {path}: {a} vs {b}"
            compared += 1
    assert compared >= 15
    # the web pages answer alike
    web = Client()
    web.force_login(User.objects.get(email="wati@example.com"))
    for page in ("/sos/kasus/{case_id}/", "/lapor-diri/{stay_id}/"):
        their_page = web.get(page.format(**other_persons_ids))
        missing_page = web.get(page.format(case_id=MISSING, stay_id=MISSING))
        assert their_page.status_code == missing_page.status_code == 404


def test_refused_scoped_reads_are_audited() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    auth = bearer(officer)
    for path, action in (("/api/v1/sos/cases", "sos.list.denied"), ("/api/v1/staff/citizens", "citizen.list.denied")):
        r = Client().get(path, {"mission": "KJRI-JEDDAH"}, headers=auth)
        assert r.status_code == 403, path
        event = AuditEvent.objects.get(action=action)
        assert event.actor == officer and event.detail["mission_id"]
    socmed = bearer(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    assert Client().get("/api/v1/sos/cases", headers=socmed).status_code == 403
    assert Client().get("/api/v1/staff/citizens", headers=socmed).status_code == 403
    assert AuditEvent.objects.filter(action__in=("sos.list.denied", "citizen.list.denied")).count() == 4
