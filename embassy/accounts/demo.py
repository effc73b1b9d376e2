"""Demo staff accounts with known passwords and known TOTP secrets (demo installations only)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import User
from embassy.accounts.services import staff_create
from embassy.missions.models import Mission, Role
from embassy.missions.services import membership_grant

DEMO_PASSWORD = "demo-embassy-2026"  # noqa: S105 - printed by `make run`; demo installations only
DEMO_STAFF: list[tuple[str, str, str, str]] = [
    # username, full name, unit code, role
    ("hq.admin", "Admin Pusat", "HQ-PWNI", Role.ADMINISTRATOR),
    ("hq.analyst", "Analis PWNI", "HQ-PWNI", Role.PROTECTION_ANALYST),
    ("hq.digital", "Tim Diplomasi Digital", "HQ-PWNI", Role.DIGITAL_DIPLOMACY),
    ("kl.protection", "Piket Pelindungan KL", "KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER),
    ("kl.consular", "Pejabat Konsuler KL", "KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER),
    ("kl.head", "Kepala Perwakilan KL", "KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION),
    ("kl.consul", "Kepala Konsuler KL", "KBRI-KUALA-LUMPUR", Role.HEAD_OF_CONSULAR),
    ("kl.socmed", "Media Sosial KL", "KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER),
    ("jeddah.protection", "Piket Pelindungan Jeddah", "KJRI-JEDDAH", Role.PROTECTION_OFFICER),
    ("hk.protection", "Piket Pelindungan Hong Kong", "KJRI-HONG-KONG", Role.PROTECTION_OFFICER),
    ("taipei.protection", "Piket Pelindungan Taipei", "KDEI-TAIPEI", Role.PROTECTION_OFFICER),
    ("sg.protection", "Piket Pelindungan Singapura", "KBRI-SINGAPORE", Role.PROTECTION_OFFICER),
]


def demo_totp_key(username: str) -> str:
    """A fixed secret per demo user (hex, 20 bytes), so the demo's second factor can be documented."""
    return hmac.new(b"smart-embassy-demo", username.encode(), hashlib.sha1).hexdigest()


def demo_totp_secret_b32(username: str) -> str:
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode().rstrip("=")


def demo_totp_now(username: str) -> str:
    totp = TOTP(bytes.fromhex(demo_totp_key(username)))
    return f"{totp.token():06d}"


def demo_staff_ensure() -> list[User]:
    users = []
    for username, name, unit, role in DEMO_STAFF:
        mission = Mission.objects.filter(code=unit).first()
        if mission is None:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            first, _, last = name.partition(" ")
            user = staff_create(username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
                                email=f"{username}@example.org")
        if username == "hq.admin" and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        TOTPDevice.objects.update_or_create(
            user=user, name="demo authenticator", defaults={"key": demo_totp_key(username), "confirmed": True}
        )
        membership_grant(user=user, mission=mission, role=role)
        users.append(user)
    return users
