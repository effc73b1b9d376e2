"""Data for the triage browser test (test_triage_browser.py), made on the test server's database (harness
ServerSpec's `setup` and Server.call run these through on_server, in the server's environment)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from embassy.accounts.demo import DEMO_PASSWORD, demo_totp_key
from embassy.accounts.tests.factories import StaffFactory
from embassy.listening.ingest import ingest
from embassy.listening.items import HeardItem
from embassy.listening.models import Triage
from embassy.missions.models import Role

MISSION = "KBRI-KUALA-LUMPUR"


def officer(username: str) -> dict[str, Any]:
    """A protection duty officer of KBRI Kuala Lumpur (demo password, demo TOTP secret of their name)."""
    StaffFactory.create(username=username, password=DEMO_PASSWORD, first_name="Piket", last_name="Triase",
                        mission=MISSION, role=Role.PROTECTION_OFFICER, totp_key=demo_totp_key(username))
    return {}


def hear(post_id: str, text: str, handle: str, lat: float, lon: float) -> dict[str, Any]:
    """One post heard on X, through the listening pipeline's only way in (ingest): with a position in Kuala
    Lumpur, a distress post lands in that mission's triage queue. Returns its Triage id (None if not queued)."""
    ingest([HeardItem(platform="x", post_id=post_id, published_at=timezone.now(), text=text,
                      url=f"https://x.com/{handle}/status/{post_id}", author_id=f"id{post_id}", author_handle=handle,
                      author_name="", lat=lat, lon=lon)])
    row = Triage.objects.filter(heard__platform="x", heard__post_id=post_id).values_list("id", "mission__code").first()
    return {"triage": row[0] if row else None, "mission": row[1] if row else None}
