"""factory_boy factories for citizens, their app accounts, stays, dependants and emergency contacts.

Stays and dependants are made through the citizens services (routing to the responsible mission, the map cell,
the audit), as lapor diri makes them; a citizen alone is a plain row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from factory.django import DjangoModelFactory

from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Dependant, EmergencyContact, Stay
from embassy.citizens.services import dependant_add, stay_register

KUALA_LUMPUR = (3.139, 101.6869)


class CitizenFactory(DjangoModelFactory[Citizen]):
    class Meta:
        model = Citizen

    full_name = factory.Sequence(lambda n: f"Warga {n}")


class CitizenUserFactory(DjangoModelFactory[User]):
    """A citizen's app account (kind CITIZEN) with its citizen record, as signing in with a code makes them."""

    class Meta:
        model = User
        skip_postgeneration_save = True  # the citizen row points at the saved user; nothing to save again

    username = factory.Sequence(lambda n: f"c-{n}")
    email = factory.Sequence(lambda n: f"citizen{n}@example.com")
    kind = User.Kind.CITIZEN
    citizen = factory.RelatedFactory(
        CitizenFactory, factory_related_name="user", email=factory.SelfAttribute("..email"),
        full_name=factory.LazyAttribute(lambda o: f"Warga {o.factory_parent.email.split('@')[0]}"))


class StayFactory(factory.Factory[Stay]):
    """A stay reported through stay_register (by the citizen themself: actor None), by default in Kuala Lumpur
    from 1 January 2026; any other stay_register argument (city, purpose, country, end_date...) passes through."""

    class Meta:
        model = Stay

    citizen = factory.SubFactory(CitizenFactory)
    actor = None
    lat, lon = KUALA_LUMPUR
    start_date = dt.date(2026, 1, 1)

    @classmethod
    def _create(cls, model_class: type[Stay], **fields: Any) -> Stay:
        return stay_register(**fields)


class DependantFactory(factory.Factory[Dependant]):
    class Meta:
        model = Dependant

    citizen = factory.SubFactory(CitizenFactory)
    actor = None
    full_name = factory.Sequence(lambda n: f"Anak {n}")
    relationship = Dependant.Relationship.CHILD

    @classmethod
    def _create(cls, model_class: type[Dependant], **fields: Any) -> Dependant:
        return dependant_add(**fields)


class EmergencyContactFactory(DjangoModelFactory[EmergencyContact]):
    class Meta:
        model = EmergencyContact

    citizen = factory.SubFactory(CitizenFactory)
    name = factory.Sequence(lambda n: f"Keluarga {n}")
    phone = "+6281234567890"


def citizen_staying(lat: float, lon: float, **citizen: Any) -> Citizen:
    """A citizen (name, phone, email...) with one stay at (lat, lon) from 1 January 2026."""
    return StayFactory.create(citizen=CitizenFactory.create(**citizen), lat=lat, lon=lon).citizen
