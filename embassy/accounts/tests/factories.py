"""factory_boy factories for users: staff through the accounts services, with a mission role and a second factor."""

from __future__ import annotations

from typing import Any

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import User
from embassy.accounts.services import staff_create
from embassy.missions.models import Mission, Role
from embassy.missions.services import membership_grant

PASSWORD = "correct horse battery staple"


class StaffFactory(factory.Factory[User]):
    """A staff member made as the console makes one (staff_create), with a role at a mission and, unless
    otp=False, a confirmed TOTP device (totp_key: a known secret, e.g. demo_totp_key(username) for sign-ins)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"staff{n}")
    password = PASSWORD
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = ""
    last_name = ""
    mission = "KBRI-KUALA-LUMPUR"
    role = Role.PROTECTION_OFFICER
    otp = True
    totp_key: str | None = None

    @classmethod
    def _create(cls, model_class: type[User], *, mission: str, role: str, otp: bool, totp_key: str | None,
                **fields: Any) -> User:
        user = staff_create(**fields)
        membership_grant(user=user, mission=Mission.objects.get(code=mission), role=role)
        if otp:
            key = {"key": totp_key} if totp_key else {}
            TOTPDevice.objects.create(user=user, name="authenticator" if totp_key else "test", confirmed=True, **key)
        return user
