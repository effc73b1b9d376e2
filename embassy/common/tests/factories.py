"""Factories and helpers shared by the tests of every app."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import User
from embassy.accounts.services import staff_create, token_create
from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_update, stay_register
from embassy.missions.models import Mission
from embassy.missions.services import membership_grant

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_staff(unit: str, role: str, *, username: str | None = None, otp: bool = True) -> User:
    username = username or f"staff{next(_seq)}"
    user = staff_create(username=username, password=PASSWORD, email=f"{username}@example.org")
    membership_grant(user=user, mission=Mission.objects.get(code=unit), role=role)
    if otp:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_citizen_user(email: str | None = None) -> User:
    email = email or f"citizen{next(_seq)}@example.com"
    user = User.objects.create(username=f"c-{next(_seq)}", email=email, kind=User.Kind.CITIZEN)
    Citizen.objects.create(user=user, full_name=f"Warga {email.split('@')[0]}", email=email)
    return user


def make_citizen_with_stay(lat: float, lon: float, *, name: str = "Siti Aminah", nik: str = "3171014101900001",
                           passport: str = "X7654321", **stay: Any) -> Citizen:
    citizen = Citizen.objects.create(full_name=name)
    citizen_update(citizen=citizen, actor=None, data={"nik": nik, "passport_number": passport, "phone": "+6281234567890"})
    stay_register(citizen=citizen, actor=None, lat=lat, lon=lon, start_date=dt.date(2026, 1, 1), **stay)
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
