"""Applying: the answers and every document are checked (type from the file's bytes, size), all or nothing;
the target day counts working days in the mission's zone; the citizen hears that it arrived."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from embassy.accounts.models import User
from embassy.applications.models import Application, Document, Status, StatusEvent
from embassy.applications.services import application_submit
from embassy.applications.tests.conftest import FRIDAY, PDF, RENEWAL_DOCS, SG, pdf, png, renewal_files, submit
from embassy.applications.workdays import add_working_days, working_days_between
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.missions.models import Mission
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The messages are checked in English (the UI's default language is Indonesian)."""
    with translation.override("en"):
        yield


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_application_with_its_documents_is_stored_with_its_due_day_and_the_citizen_is_told(
    citizen_user: User, mission: Mission, media: Path
) -> None:
    application = submit(citizen_user, mission)
    assert application.status == Status.SUBMITTED and len(application.reference) == 8
    assert application.fee == 350000 and application.currency == "IDR" and application.target_days == 3
    assert application.due_on == dt.date(2027, 1, 13)  # Friday + 3 working days: Monday, Tuesday, Wednesday
    docs = {d.key: d for d in Document.objects.filter(application=application)}
    assert set(docs) == set(RENEWAL_DOCS)
    assert docs[RENEWAL_DOCS[0]].content_type == "application/pdf"
    assert docs[RENEWAL_DOCS[1]].content_type == "image/png"
    assert (media / "applications" / docs[RENEWAL_DOCS[0]].path).read_bytes() == PDF
    assert list(StatusEvent.objects.filter(application=application).values_list("status", "by_citizen")) == [
        ("submitted", True)
    ]
    message = Message.objects.get(user=citizen_user, kind="application.submitted")
    assert message.channel == "email" and application.reference in message.subject
    assert f"/permohonan/{application.reference}/" in message.url


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (
            SimpleUploadedFile(
                "passport.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf"
            ),
            "PDF",
        ),
        (SimpleUploadedFile("photo.gif", b"GIF89a" + b"\x00" * 20, content_type="image/gif"), "PDF"),
    ],
)
def test_a_document_of_the_wrong_type_is_refused_by_its_bytes_and_nothing_is_stored(
    citizen_user: User, mission: Mission, media: Path, upload: SimpleUploadedFile, words: str
) -> None:
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, files={RENEWAL_DOCS[0]: upload, RENEWAL_DOCS[1]: png()})
    assert err.value.field == RENEWAL_DOCS[0] and words in err.value.message
    assert not Application.objects.exists() and not Message.objects.exists()
    assert _files_under(media) == []


def test_a_document_too_large_is_refused_and_nothing_is_half_stored(
    citizen_user: User, mission: Mission, media: Path, settings: object
) -> None:
    settings.CONSULAR_DOCUMENT_MAX_MB = 1  # type: ignore[attr-defined]
    big = SimpleUploadedFile(
        "big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1), content_type="image/png"
    )
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, files={RENEWAL_DOCS[0]: pdf(), RENEWAL_DOCS[1]: big})
    assert err.value.field == RENEWAL_DOCS[1] and "1 MB" in err.value.message
    assert not Application.objects.exists() and not Document.objects.exists() and _files_under(media) == []


def test_a_failure_after_the_files_are_written_removes_them(
    citizen_user: User, mission: Mission, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("embassy.applications.services.submit._documents", broken)
    with pytest.raises(RuntimeError):
        submit(citizen_user, mission)
    assert not Application.objects.exists() and _files_under(media) == []


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"reason": "expired"}, "passport_expiry", "answer"),
        ({"reason": "expired", "passport_expiry": "2026-02-30"}, "passport_expiry", "does not exist"),
        ({"reason": "expired", "passport_expiry": "30/12/2026"}, "passport_expiry", "year-month-day"),
        ({"reason": "stolen", "passport_expiry": "2026-01-01"}, "reason", "options"),
    ],
)
def test_bad_answers_get_a_clear_answer_on_their_field(
    citizen_user: User, mission: Mission, answers: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, answers=answers)
    assert err.value.field == field and words in err.value.message
    assert not Application.objects.exists()


def test_impossible_dates_for_a_lost_passport(citizen_user: User, mission: Mission) -> None:
    files = {"police-loss-report": pdf(), "two-proofs-of-citizenship-e-ktp-family-c": pdf()}
    lost_tomorrow = {"document": "splp", "lost_on": "2027-01-09"}
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, service_code="passport-lost-splp", answers=lost_tomorrow, files=files)
    assert err.value.field == "lost_on" and "future" in err.value.message
    travel_yesterday = {"document": "splp", "lost_on": "2027-01-07", "travel_date": "2027-01-07"}
    with pytest.raises(BadInput) as err:
        submit(
            citizen_user,
            mission,
            service_code="passport-lost-splp",
            answers=travel_yesterday,
            files={"police-loss-report": pdf(), "two-proofs-of-citizenship-e-ktp-family-c": pdf()},
        )
    assert err.value.field == "travel_date" and "past" in err.value.message
    ok = submit(
        citizen_user,
        mission,
        service_code="passport-lost-splp",
        answers={**travel_yesterday, "travel_date": "2027-01-20"},
        files={"police-loss-report": pdf(), "two-proofs-of-citizenship-e-ktp-family-c": pdf()},
    )
    assert ok.answers["document"] == "splp" and ok.answers["travel_date"] == "2027-01-20"


def test_missing_or_unknown_documents_and_unknown_services_are_refused(
    citizen_user: User, mission: Mission
) -> None:
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, files={RENEWAL_DOCS[0]: pdf()})
    assert err.value.field == RENEWAL_DOCS[1]
    with pytest.raises(BadInput) as err:
        submit(citizen_user, mission, files={**renewal_files(), "selfie": png()})
    assert err.value.field == "selfie"
    with pytest.raises(NotFound):
        submit(citizen_user, mission, service_code="no-such-service")
    with pytest.raises(NotFound):
        application_submit(
            user=citizen_user, mission_code="NO-SUCH", service_code="passport-renewal", answers={}, files={}
        )
    assert not Application.objects.exists()


def test_a_double_submit_with_the_same_key_makes_one_application(
    citizen_user: User, mission: Mission
) -> None:
    first = application_submit(
        user=citizen_user,
        mission_code=mission.code,
        service_code="passport-renewal",
        answers={"reason": "full", "passport_expiry": "2030-01-01"},
        files=renewal_files(),
        client_key="k-1",
        now=FRIDAY,
    )
    again = application_submit(
        user=citizen_user,
        mission_code=mission.code,
        service_code="passport-renewal",
        answers={"reason": "full", "passport_expiry": "2030-01-01"},
        files=renewal_files(),
        client_key="k-1",
        now=FRIDAY,
    )
    assert first.created and not again.created and again.application.pk == first.application.pk
    assert (
        Application.objects.count() == 1 and Message.objects.filter(kind="application.submitted").count() == 1
    )


def test_staff_cannot_apply(mission: Mission, officer: User) -> None:
    with pytest.raises(PermissionDenied):
        submit(officer, mission)


def test_working_days_skip_the_weekend() -> None:
    friday, saturday = dt.date(2027, 1, 8), dt.date(2027, 1, 9)
    assert add_working_days(friday, 0) == friday
    assert add_working_days(friday, 1) == dt.date(2027, 1, 11)  # Monday
    assert add_working_days(saturday, 0) == dt.date(2027, 1, 11)  # counted from the next Monday
    assert add_working_days(saturday, 3) == dt.date(2027, 1, 14)
    assert add_working_days(friday, 10) == dt.date(2027, 1, 22)
    assert working_days_between(friday, dt.date(2027, 1, 11)) == 1
    assert working_days_between(dt.date(2027, 1, 11), friday) == -1


def test_the_due_day_counts_from_the_missions_local_day(citizen_user: User, mission: Mission) -> None:
    # 23:30 UTC on Friday is already Saturday in Singapore: the count starts on Monday.
    late_friday_utc = dt.datetime(2027, 1, 8, 23, 30, tzinfo=dt.UTC)
    assert late_friday_utc.astimezone(SG).date() == dt.date(2027, 1, 9)
    application = submit(citizen_user, mission, now=late_friday_utc)
    assert application.due_on == dt.date(2027, 1, 14)
