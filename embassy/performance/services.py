"""Writes of the performance app that staff make: the yearly cost of a mission (headquarters' administrators
only). The survey's writes are in embassy.performance.surveys; the rollup in embassy.performance.rollup."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.models import Mission, Role
from embassy.missions.selectors import scope_for
from embassy.performance.models import MissionCost

MAX_AMOUNT = Decimal("1e13")


def can_enter_costs(user: User) -> bool:
    return Role.ADMINISTRATOR in scope_for(user).roles


@transaction.atomic
def mission_cost_set(*, actor: User, mission: Mission, year: int, amount: str, currency: str = "IDR",
                     note: str = "", now: dt.datetime | None = None) -> MissionCost:
    """Enter (or correct) what `mission`'s consular services cost in `year`. Only a verified headquarters
    administrator; audited."""
    if not actor.is_verified() or not can_enter_costs(actor):
        raise PermissionDenied(_("Costs are entered by headquarters' administrators."))
    now = now or timezone.now()
    if not 2000 <= year <= now.year:
        raise BadInput(_("Enter a year between 2000 and this year."), field="year")
    try:
        value = Decimal(amount.replace(",", "").strip())
    except InvalidOperation:
        raise BadInput(_("Enter the cost as a number."), field="amount") from None
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise BadInput(_("Enter a cost greater than zero."), field="amount")
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise BadInput(_("Enter a three-letter currency code (ISO 4217)."), field="currency")
    cost, _created = MissionCost.objects.update_or_create(
        mission=mission, year=year,
        defaults={"amount": value.quantize(Decimal("0.01")), "currency": currency, "note": note.strip()[:300],
                  "entered_by": actor, "entered_at": now})
    audit_record(actor=actor, action="performance.cost_set", object_type="mission_cost", object_id=cost.pk,
                 mission_code=mission.code, detail={"year": year, "amount": str(cost.amount), "currency": currency})
    return cost
