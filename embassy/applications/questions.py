"""The questions an application form asks, per service (by the service's code; a service not listed asks
only for an optional note). Answers are checked here, each refusal naming its field: a date that does not
exist, a date of loss in the future, a travel date in the past are clear errors, never stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from embassy.common.errors import BadInput

PAST, FUTURE = "past", "future"  # the date must not be after today / not before today
MAX_TEXT = 500
FURTHEST_FUTURE_YEARS = 10


@dataclass(frozen=True)
class Question:
    name: str
    label: Promise | str
    kind: str = "text"  # text | textarea | date | choice
    required: bool = True
    choices: tuple[tuple[str, Promise | str], ...] = ()
    when: str = ""  # a date: PAST or FUTURE
    help: Promise | str = ""
    extra: dict[str, Any] = field(default_factory=dict)


NOTE = Question("note", _l("Anything the officer should know"), "textarea", required=False)
SPLP = "splp"

QUESTIONS: dict[str, tuple[Question, ...]] = {
    "passport-renewal": (
        Question(
            "reason",
            _l("Why do you need a new passport?"),
            "choice",
            choices=(
                ("expired", _l("It has expired")),
                ("expiring", _l("It expires soon")),
                ("full", _l("It is full")),
            ),
        ),
        Question("passport_expiry", _l("Expiry date of your passport"), "date"),
        NOTE,
    ),
    "passport-new": (
        Question("child_name", _l("Child's full name")),
        Question("child_birth_date", _l("Child's date of birth"), "date", when=PAST),
        NOTE,
    ),
    "passport-lost-splp": (
        Question(
            "document",
            _l("What do you need?"),
            "choice",
            choices=(
                (SPLP, _l("Emergency travel document (SPLP) to go home")),
                ("passport", _l("A new passport")),
            ),
        ),
        Question("lost_on", _l("When was the passport lost or damaged?"), "date", when=PAST),
        Question("police_report", _l("Police report number"), required=False),
        Question("travel_date", _l("Planned travel date"), "date", when=FUTURE, required=False),
        Question("destination", _l("Travelling to (city)"), required=False),
        NOTE,
    ),
    "birth": (
        Question("child_name", _l("Child's full name")),
        Question("birth_date", _l("Date of birth"), "date", when=PAST),
        Question("birth_place", _l("Place of birth (city)")),
        NOTE,
    ),
    "marriage": (
        Question("spouse_name", _l("Spouse's full name")),
        Question("marriage_date", _l("Date of the marriage"), "date", when=PAST),
        Question("marriage_place", _l("Place of the marriage (city)")),
        NOTE,
    ),
    "death": (
        Question("deceased_name", _l("Full name of the deceased")),
        Question("death_date", _l("Date of death"), "date", when=PAST),
        Question("death_place", _l("Place of death (city)")),
        NOTE,
    ),
    "legalisation": (
        Question("documents", _l("Which documents are to be legalised?")),
        Question(
            "use_in",
            _l("Where will they be used?"),
            "choice",
            choices=(("id", _l("In Indonesia")), ("here", _l("In this country"))),
        ),
        NOTE,
    ),
    "worker-card": (
        Question("employer", _l("Employer's name")),
        Question("contract_end", _l("End of your work contract"), "date", when=FUTURE),
        NOTE,
    ),
}


def questions_for(code: str) -> tuple[Question, ...]:
    return QUESTIONS.get(code, (NOTE,))


def _date(q: Question, value: str, today: dt.date) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        parts = value.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            raise BadInput(_("This date does not exist."), field=q.name) from None
        raise BadInput(_("Write the date as year-month-day, e.g. 2026-12-31."), field=q.name) from None
    if q.when == PAST and day > today:
        raise BadInput(_("This date cannot be in the future."), field=q.name)
    if q.when == FUTURE and day < today:
        raise BadInput(_("This date cannot be in the past."), field=q.name)
    if day.year < 1900 or day > today.replace(year=today.year + FURTHEST_FUTURE_YEARS):
        raise BadInput(_("This date is not possible."), field=q.name)
    return day.isoformat()


def answers_clean(*, code: str, raw: Mapping[str, Any], today: dt.date) -> dict[str, str]:
    """The answers to the service's questions, checked; unknown keys are dropped. `today` is the mission's."""
    clean: dict[str, str] = {}
    for q in questions_for(code):
        value = str(raw.get(q.name) or "").strip()
        if not value:
            if q.required:
                raise BadInput(_("Please answer this question."), field=q.name)
            continue
        if len(value) > MAX_TEXT * (4 if q.kind == "textarea" else 1):
            raise BadInput(_("This answer is too long."), field=q.name)
        if q.kind == "date":
            value = _date(q, value, today)
        elif q.kind == "choice" and value not in {c for c, _label in q.choices}:
            raise BadInput(_("Choose one of the options."), field=q.name)
        clean[q.name] = value
    return clean


def answer_rows(*, code: str, answers: Mapping[str, str]) -> list[tuple[str, str]]:
    """(question, answer) in the reader's language, for the pages."""
    rows = []
    for q in questions_for(code):
        if q.name in answers:
            value = answers[q.name]
            label = dict(q.choices).get(value, value) if q.kind == "choice" else value
            rows.append((str(q.label), str(label)))
    return rows


def is_splp(*, code: str, answers: Mapping[str, str]) -> bool:
    """Whether the application asks for an SPLP (the lost-passport service, SPLP chosen)."""
    return code == "passport-lost-splp" and answers.get("document") == SPLP
