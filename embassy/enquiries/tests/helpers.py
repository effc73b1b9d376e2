"""Shared set-up for the enquiry tests: the Kuala Lumpur flood (crises' factory) with registered people."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import TestCase

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import KUALA_LUMPUR, CitizenFactory, StayFactory
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.models import Crisis
from embassy.crises.services import crisis_declare
from embassy.enquiries.models import Enquiry
from embassy.enquiries.services import EnquiryIn, enquiry_submit
from embassy.missions.models import Role


def officer(mission: str = "KBRI-KUALA-LUMPUR", role: str = Role.PROTECTION_OFFICER) -> User:
    return verified(make_staff(mission, role))


def flood(actor: User | None = None) -> Crisis:
    return crisis_declare(actor=actor or officer(), title="Banjir Kuala Lumpur", kind="flood", lat=3.14,
                          lon=101.69, radius_km=30)


def person(name: str, *, birth: dt.date | None = None, phone: str = "", nik: str = "", passport: str = "",
           city: str = "Kuala Lumpur", stay: bool = True) -> Citizen:
    citizen = CitizenFactory.create(full_name=name, birth_date=birth)
    data: dict[str, Any] = {}
    if phone:
        data["phone"] = phone
    if nik:
        data["nik"] = nik
    if passport:
        data["passport_number"] = passport
    if data:
        citizen_update(citizen=citizen, actor=None, data=data)
    if stay:
        StayFactory.create(citizen=citizen, lat=KUALA_LUMPUR[0], lon=KUALA_LUMPUR[1], city=city)
    citizen.refresh_from_db()
    return citizen


def ask(crisis: Crisis, *, execute: bool = True, **fields: Any) -> Enquiry:
    """A public enquiry from a relative (phone +628111000001 unless given), its on-commit messages run."""
    values: dict[str, Any] = {"enquirer_name": "Ibu Sumiati", "relation": "ibu",
                              "enquirer_phone": "+628111000001", **fields}
    client_ip = values.pop("client_ip", "203.0.113.9")
    actor = values.pop("actor", None)
    with TestCase.captureOnCommitCallbacks(execute=execute):
        enquiry = enquiry_submit(crisis_id=crisis.pk, data=EnquiryIn(**values), client_ip=client_ip, actor=actor)
    enquiry.refresh_from_db()
    return enquiry
