"""Data for the accessibility browser test: every page that needs something to show is given it, made with the
factories and services on the test server's database (the harness runs a11y_pages through on_server)."""

from __future__ import annotations

from typing import Any

from embassy.accounts.models import User
from embassy.accounts.services import signin_code_request, signin_code_verify
from embassy.advisories.models import AdvisoryVersion
from embassy.advisories.services import advisory_draft_create
from embassy.citizens.models import Citizen, Stay
from embassy.common.tests.factories import verified
from embassy.crises.links import link_token
from embassy.crises.models import Affected
from embassy.crises.rollcall import rollcall_start
from embassy.crises.tests.factories import CrisisFactory
from embassy.sos.services import sos_raise


def a11y_pages(citizen: str) -> dict[str, Any]:
    """A crisis around central Kuala Lumpur (where `citizen` stays) with its roll-call open, a second one not
    started, an SOS case, an advisory draft; returns their ids and the roll-call question links."""
    admin = verified(User.objects.get(username="hq.admin"))
    crisis = CrisisFactory.create(actor=admin, title="LATIHAN: Banjir Kuala Lumpur", radius_km=10)
    rollcall_start(actor=admin, crisis=crisis)  # queued only (no worker here): the question is open, nothing is sent
    # A second crisis (Jeddah) whose roll-call is not started yet: the room's confirmation dialog.
    quiet = CrisisFactory.create(actor=admin, title="LATIHAN: Badai pasir Jeddah", kind="other", lat=21.54, lon=39.17,
                          radius_km=5)
    siti = Citizen.objects.get(email=citizen)
    affected = list(Affected.objects.filter(crisis=crisis).order_by("id"))
    mine = next(a for a in affected if a.citizen_id == siti.pk)
    other = next(a for a in affected if a.citizen_id != siti.pk)
    # Budi (Jeddah) signs in once and presses SOS: the console's queue and case pages, with a position.
    address = "budi.santoso@example.com"
    _, code = signin_code_request(address=address)
    budi = signin_code_verify(address=address, code=code)
    case = sos_raise(user=budi, key="a11y-0001", lat=21.5433, lon=39.1728, accuracy=25).case
    # An advisory draft based on a published version (the editor and the comparison pages).
    published = AdvisoryVersion.objects.filter(status="published").order_by("id").first()
    assert published is not None
    draft = advisory_draft_create(actor=admin, country=published.country_id, base_version_id=published.pk)
    return {
        "crisis": crisis.pk, "quiet": quiet.pk, "case": case.pk, "draft": draft.pk, "country": published.country_id,
        "citizen": Citizen.objects.get(email=address).pk,
        "stay": Stay.objects.filter(citizen=siti).order_by("id").values_list("id", flat=True).first(),
        "question": f"/aman/{crisis.pk}/{link_token(mine.pk, crisis.pk)}/",
        "other": f"/aman/{crisis.pk}/{link_token(other.pk, crisis.pk)}/",
    }
