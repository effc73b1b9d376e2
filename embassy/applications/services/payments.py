"""Payments taken at a counter for an application: amount, currency, method, a receipt number unique within
the mission. The daily cash report (selectors.cash_report) adds them up per counter and mission-local day."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.applications.models import Application, Payment, Status
from embassy.applications.services.common import require_officer
from embassy.common.errors import BadInput, Conflict
from embassy.consular.models import Counter

CURRENCY = re.compile(r"[A-Z]{3}")
MAX_AMOUNT = Decimal("9999999999.99")


def _amount(value: Decimal | str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise BadInput(_("Type the amount as a number."), field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise BadInput(_("The amount must be more than zero."), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise BadInput(_("At most two decimals."), field="amount")
    return amount.quantize(Decimal("0.01"))


def payment_record(
    *,
    actor: User,
    application: Application,
    counter_id: int,
    amount: Decimal | str,
    currency: str,
    method: str,
    receipt_number: str,
    now: dt.datetime | None = None,
) -> Payment:
    """Record money received for `application` at one of its mission's counters. A receipt number already
    used at the mission is a Conflict (nothing stored); a refused application takes no payment."""
    now = now or timezone.now()
    require_officer(actor, application.mission_id)
    value = _amount(amount)
    currency = currency.strip().upper()
    if not CURRENCY.fullmatch(currency):
        raise BadInput(_("A currency is three letters, e.g. IDR or SGD."), field="currency")
    if method not in Payment.Method.values:
        raise BadInput(_("Choose cash, card or bank transfer."), field="method")
    receipt_number = receipt_number.strip()
    if not receipt_number or len(receipt_number) > 40:
        raise BadInput(_("Write the receipt number (at most 40 characters)."), field="receipt_number")
    counter = Counter.objects.filter(pk=counter_id, mission_id=application.mission_id, active=True).first()
    if counter is None:
        raise BadInput(_("Choose one of the mission's counters."), field="counter")
    if application.status == Status.REJECTED:
        raise Conflict(_("A refused application takes no payment."))
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                application=application,
                mission_id=application.mission_id,
                counter=counter,
                amount=value,
                currency=currency,
                method=method,
                receipt_number=receipt_number,
                received_by=actor,
                received_at=now,
            )
            audit_record(
                actor=actor,
                action="applications.payment",
                object_type="application",
                object_id=application.reference,
                citizen_id=application.citizen_id,
                mission_code=application.mission.code,
                detail={"amount": str(value), "currency": currency, "receipt": receipt_number},
            )
    except IntegrityError:
        raise Conflict(
            _("Receipt number %(number)s is already used at this mission.") % {"number": receipt_number}
        ) from None
    return payment
