"""factory_boy factories for crises: declared by an officer through crisis_declare (the affected set follows),
or a plain row as a feed writes it."""

from __future__ import annotations

from typing import Any

import factory
from django.test import TestCase
from factory.django import DjangoModelFactory

from embassy.accounts.tests.factories import StaffFactory
from embassy.common.tests.factories import verified
from embassy.crises.models import Crisis
from embassy.crises.rollcall import rollcall_start
from embassy.crises.services import crisis_declare


class CrisisFactory(factory.Factory[Crisis]):
    """A crisis declared by a (verified) protection officer of KBRI Kuala Lumpur over central Kuala Lumpur."""

    class Meta:
        model = Crisis

    actor = factory.LazyFunction(lambda: verified(StaffFactory.create()))
    title = "Banjir Kuala Lumpur"
    kind = "flood"
    lat, lon = 3.14, 101.69
    radius_km = 30.0

    @classmethod
    def _create(cls, model_class: type[Crisis], **fields: Any) -> Crisis:
        return crisis_declare(**fields)


class CrisisRowFactory(DjangoModelFactory[Crisis]):
    """A crisis row written directly, as a feed writes one (status proposed unless given; no affected set until
    affected_refresh)."""

    class Meta:
        model = Crisis

    title = factory.Sequence(lambda n: f"Gempa {n}")
    kind = "earthquake"


def rollcall_started(officer: Any) -> Crisis:
    """The Kuala Lumpur flood declared by `officer`, its roll-call started and its questions queued (the
    on-commit work run as on a server)."""
    crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                            radius_km=30)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    return crisis
