"""Data for the SMS browser test (test_browser_sms.py), made with the factories on the test server's database
(harness.ServerSpec's `setup` and Server.call run these through on_server, in the server's environment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from embassy.accounts.demo import DEMO_PASSWORD, demo_totp_key
from embassy.accounts.models import User
from embassy.accounts.tests.factories import StaffFactory
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import verified
from embassy.crises.tests.factories import CrisisFactory
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message, ProviderAccount
from embassy.notify.routing import seal_credentials

MISSION = "KBRI-KUALA-LUMPUR"
NOWHERE = "http://127.0.0.1:9"  # the discard port: until the test points the account at its vendor server


def sms_drill(officer: str, account: dict[str, str], sos_citizen: list[str], people: list[list[Any]],
              crisis: list[Any]) -> dict[str, Any]:
    """The officer of KBRI Kuala Lumpur (demo password, demo TOTP secret of their name); a Twilio SMS account
    for that mission (`account`: key, account_sid, auth_token, sender, inbound_number), its base_url on no
    server yet; a registered citizen with a phone and no stay (`sos_citizen`: name, phone) who will text an
    SOS; the people (name, phone, lat, lon) staying in Kuala Lumpur; and a drill crisis (title, lat, lon,
    radius in km) declared over them, its roll-call not started. Returns the crisis id."""
    StaffFactory.create(username=officer, password=DEMO_PASSWORD, first_name="Piket", last_name="SMS",
                        mission=MISSION, role=Role.PROTECTION_OFFICER, totp_key=demo_totp_key(officer))
    row = ProviderAccount.objects.create(
        key=account["key"], name="Twilio Malaysia", vendor="twilio", channel="sms", sender=account["sender"],
        inbound_number=account["inbound_number"], options={"base_url": NOWHERE, "timeout": 5},
        credentials=seal_credentials({"account_sid": account["account_sid"], "auth_token": account["auth_token"]}))
    row.missions.set([Mission.objects.get(code=MISSION)])
    CitizenFactory.create(full_name=sos_citizen[0], phone=sos_citizen[1])
    for name, phone, lat, lon in people:
        StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone), lat=lat, lon=lon,
                           city="Kuala Lumpur", start_date=dt.date.today() - dt.timedelta(days=30))
    title, lat, lon, radius_km = crisis
    actor = verified(User.objects.get(username=officer))
    declared = CrisisFactory.create(actor=actor, title=title, lat=lat, lon=lon, radius_km=radius_km)
    return {"crisis": declared.pk}


def point_twilio(key: str, url: str) -> None:
    """Send the account's messages to `url` (the test's local Twilio server) from now on."""
    row = ProviderAccount.objects.get(key=key)
    row.options = {**row.options, "base_url": url}
    row.save(update_fields=["options"])


def sms_messages(kind: str) -> list[dict[str, Any]]:
    """The outbox's SMS of one kind, oldest first."""
    return [{"address": m.address, "status": m.status, "body": m.body, "provider_id": m.provider_id}
            for m in Message.objects.filter(kind=kind, channel="sms").order_by("id")]
