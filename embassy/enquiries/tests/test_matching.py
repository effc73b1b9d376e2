"""Matching to the registry: never on a name alone; a strong key (passport/NIK, phone + name, name + date of
birth); ambiguity goes to an officer; partial or misspelt names never merge two people."""

from __future__ import annotations

import datetime as dt

import pytest

from embassy.enquiries.matching import Sought, identity_indexes, match_person
from embassy.enquiries.models import Enquiry
from embassy.enquiries.tests.helpers import ask, flood, person

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1990, 1, 5)


def test_name_and_date_of_birth_match() -> None:
    siti = person("Siti Aminah", birth=BIRTH)
    person("Siti Aminah", birth=dt.date(1985, 3, 2))  # same name, another person
    enquiry = ask(flood(), sought_name="siti aminah", sought_birth_date=BIRTH)
    assert (enquiry.status, enquiry.citizen_id, enquiry.rule) == (Enquiry.Status.MATCHED, siti.pk, "name_dob")


def test_a_common_name_alone_never_matches() -> None:
    a, b = person("Siti Aminah", birth=BIRTH), person("Siti Aminah", birth=dt.date(1992, 7, 1))
    enquiry = ask(flood(), sought_name="Siti Aminah")  # no date of birth, no number, no phone
    assert enquiry.status == Enquiry.Status.SOUGHT and enquiry.citizen_id is None
    assert set(enquiry.possible) == {a.pk, b.pk}  # shown to an officer as look-alikes, never matched


def test_same_name_different_birth_date_is_not_a_match() -> None:
    person("Budi Santoso", birth=BIRTH)
    enquiry = ask(flood(), sought_name="Budi Santoso", sought_birth_date=dt.date(1991, 1, 5))
    assert enquiry.status == Enquiry.Status.SOUGHT and enquiry.possible == []  # the date contradicts


def test_same_birth_date_similar_names_are_ambiguous() -> None:
    a = person("Siti Aminah", birth=BIRTH)
    b = person("Siti Amina", birth=BIRTH)  # two real people, one letter apart, same birthday
    enquiry = ask(flood(), sought_name="Siti Aminah", sought_birth_date=BIRTH)
    assert enquiry.status == Enquiry.Status.TO_CONFIRM and enquiry.citizen_id is None
    assert sorted(enquiry.candidates) == sorted([a.pk, b.pk])


def test_transposed_and_misspelt_name_with_birth_date() -> None:
    rizky = person("Muhammad Rizky Pratama", birth=BIRTH)
    enquiry = ask(flood(), sought_name="Pratama Muhamad Rizky", sought_birth_date=BIRTH)
    assert enquiry.citizen_id == rizky.pk


def test_partial_name_never_merges() -> None:
    person("Siti Aminah Rahayu", birth=BIRTH)
    enquiry = ask(flood(), sought_name="Siti Aminah", sought_birth_date=BIRTH)
    assert enquiry.status == Enquiry.Status.SOUGHT and enquiry.citizen_id is None


def test_passport_or_nik_match_without_birth_date() -> None:
    siti = person("Siti Aminah", passport="X7654321", nik="3171014101900001")
    crisis = flood()
    by_passport = ask(crisis, sought_name="Aminah", passport="x 765 4321")
    assert (by_passport.citizen_id, by_passport.rule) == (siti.pk, "id")
    by_nik = ask(crisis, sought_name="Siti", nik="3171014101900001", enquirer_phone="+628111000002")
    assert by_nik.citizen_id == siti.pk
    # a number that belongs to someone with an unrelated name is a typo, not a match
    stranger = ask(crisis, sought_name="Budi Santoso", passport="X7654321", enquirer_phone="+628111000003")
    assert stranger.citizen_id is None


def test_phone_and_similar_name() -> None:
    budi = person("Budi Santoso", phone="+60123456789")
    crisis = flood()
    assert ask(crisis, sought_name="Budi Santosa", sought_phone="+60 12-345 6789").citizen_id == budi.pk
    # the same phone with another name (a shared phone) is not a match
    assert ask(crisis, sought_name="Andi Wijaya", sought_phone="+60123456789",
               enquirer_phone="+628111000009").citizen_id is None


def test_father_and_son_with_the_same_name_and_phone() -> None:
    person("Budi Santoso", birth=dt.date(1960, 2, 2), phone="+60123456789")
    son = person("Budi Santoso", birth=dt.date(1995, 6, 6), phone="+60123456789")
    crisis = flood()
    both = ask(crisis, sought_name="Budi Santoso", sought_phone="+60123456789")
    assert both.status == Enquiry.Status.TO_CONFIRM  # two people: an officer confirms
    one = ask(crisis, sought_name="Budi Santoso", sought_phone="+60123456789", sought_birth_date=dt.date(1995, 6, 6),
              enquirer_phone="+628111000004")
    assert one.citizen_id == son.pk  # the father's date of birth contradicts


def test_conflicting_passport_blocks_a_name_and_birth_match() -> None:
    person("Siti Aminah", birth=BIRTH, passport="X7654321")
    enquiry = ask(flood(), sought_name="Siti Aminah", sought_birth_date=BIRTH, passport="B1111111")
    assert enquiry.citizen_id is None


def test_match_person_restricted_to_ids() -> None:
    siti = person("Siti Aminah", birth=BIRTH, stay=False)
    sought = Sought(name="Siti Aminah", birth_date=BIRTH)
    assert match_person(sought, only_ids=[siti.pk]).citizen_id == siti.pk
    assert match_person(sought, only_ids=[siti.pk + 1000]).strong == {}
    assert identity_indexes() == ("", "")
