"""Helpers shared by the tests of every app: signed-in clients, bearer tokens, and short names for the factories
most tests need (the factories themselves are in each app's tests/factories.py)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import User
from embassy.accounts.services import token_create
from embassy.accounts.tests.factories import PASSWORD as PASSWORD  # re-exported for the tests that sign in
from embassy.accounts.tests.factories import StaffFactory
from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import CitizenFactory, CitizenUserFactory, StayFactory


def make_staff(unit: str, role: str, *, username: str | None = None, otp: bool = True) -> User:
    """A staff member with `role` at `unit` (StaffFactory; a second factor unless otp=False)."""
    return StaffFactory.create(mission=unit, role=role, otp=otp, **({"username": username} if username else {}))


def make_citizen_user(email: str | None = None) -> User:
    """A citizen's app account with its citizen record (CitizenUserFactory)."""
    return CitizenUserFactory.create(**({"email": email} if email else {}))


def make_citizen_with_stay(lat: float, lon: float, *, name: str = "Siti Aminah", nik: str = "3171014101900001",
                           passport: str = "X7654321", **stay: Any) -> Citizen:
    citizen = CitizenFactory.create(full_name=name)
    citizen_update(citizen=citizen, actor=None, data={"nik": nik, "passport_number": passport, "phone": "+6281234567890"})
    StayFactory.create(citizen=citizen, lat=lat, lon=lon, **stay)
    return citizen


def staff_client(user: User) -> Client:
    """A web client signed in with password and a verified second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def bearer(user: User) -> dict[str, str]:
    _token, key = token_create(user=user, name="test")
    return {"Authorization": f"Bearer {key}"}  # for the test client's headers=


def verified(user: User) -> User:
    """The staff user as the web and API layers see them after the second factor (services check it)."""
    user.is_verified = lambda: True
    return user
