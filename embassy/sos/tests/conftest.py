from __future__ import annotations

from typing import Any

import pytest

from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role


@pytest.fixture
def citizen() -> tuple[Any, dict[str, str]]:
    user = make_citizen_user("warga.sos@example.com")
    return user, bearer(user)


@pytest.fixture
def kl_officer() -> Any:
    return make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl")
