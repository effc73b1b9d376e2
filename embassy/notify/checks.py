"""Deployment checks for what SMS texts rely on (run by `manage.py check --deploy` and at start-up)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning

from embassy.common.sms import LINK_BASE_MAX, sms_link_base
from embassy.notify.costs import price_errors


def check_sms_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every SMS template is budgeted for a link base of at most LINK_BASE_MAX characters; a longer one makes
    the free-text values (crisis titles, names) shorter, then cuts them. Prices (NOTIFY_PRICES,
    NOTIFY_SMS_PRICES) must be well-formed: a malformed entry is left out, so its messages get no estimate."""
    problems: list[CheckMessage] = []
    base = sms_link_base()
    if len(base) > LINK_BASE_MAX:
        problems.append(Warning(
            f"The links in SMS start with {base!r} ({len(base)} characters); SMS texts are budgeted for "
            f"{LINK_BASE_MAX}. Set SMS_LINK_BASE to a shorter address that reaches this site.",
            id="notify.W001"))
    bad = price_errors()
    if bad:
        problems.append(Warning(" ".join(bad), hint="docs/messaging.md, \"Cost and budgets\"", id="notify.W002"))
    return problems
