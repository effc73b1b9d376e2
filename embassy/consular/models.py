"""The consular service catalogue (issue 14, part 1): headquarters' standard services (data/consular_services.csv),
each mission's terms for them (fee in its currency, processing days, whether it takes appointments, whether it
offers the service at all), the mission's own services, its opening hours and its counters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Service(models.Model):
    """A consular service: a standard one (mission None, from the data file, defined by headquarters) or a
    mission's own. Lists (requirements, documents) are bilingual: [{"id": "...", "en": "..."}]."""

    code = models.SlugField(_("code"), max_length=40)
    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="own_services", verbose_name=_("mission (own service)"))
    name_id = models.CharField(_("name (Indonesian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_id = models.TextField(_("description (Indonesian)"), blank=True, default="")
    description_en = models.TextField(_("description (English)"), blank=True, default="")
    requirements = models.JSONField(_("requirements"), default=list, blank=True)
    documents = models.JSONField(_("documents to upload"), default=list, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, null=True, blank=True)  # None: not set
    currency = models.CharField(_("currency"), max_length=3, default="IDR")
    target_days = models.PositiveSmallIntegerField(_("target processing days (working days)"), null=True,
                                                   blank=True)  # None: not set
    needs_appointment = models.BooleanField(_("needs an appointment"), default=True)
    legal_basis = models.CharField(_("legal basis of the fee"), max_length=300, blank=True, default="")
    sources = models.TextField(_("sources"), blank=True, default="")
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(_("active"), default=True)
    from_file = models.BooleanField(default=False)  # kept in step with data/consular_services.csv

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=models.Q(mission__isnull=True),
                                    name="consular_standard_service_code"),
            models.UniqueConstraint(fields=["mission", "code"], name="consular_own_service_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name_en}"

    def name(self) -> str:
        """In the reader's language, as Mission.name() and Country.name() choose it."""
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id


class MissionService(models.Model):
    """A mission's terms for a standard service; a blank field keeps the standard's."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="service_terms")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="mission_terms",
                                limit_choices_to={"mission__isnull": True})
    offered = models.BooleanField(_("offered at this mission"), default=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    target_days = models.PositiveSmallIntegerField(_("target processing days"), null=True, blank=True)
    needs_appointment = models.BooleanField(_("needs an appointment"), null=True, blank=True)
    note_id = models.TextField(_("note (Indonesian)"), blank=True, default="")
    note_en = models.TextField(_("note (English)"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mission", "service"], name="consular_mission_service")]


class OpeningHours(models.Model):
    """When a mission's consular counters open on a weekday (several rows a day for a break); Sunday rows for
    the missions that serve workers on their day off."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(condition=models.Q(closes__gt=models.F("opens")),
                                              name="consular_hours_order")]


class Counter(models.Model):
    """A service counter of a mission; with no services listed it serves them all."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="counters")
    name = models.CharField(_("name"), max_length=40)
    services = models.ManyToManyField(Service, blank=True, related_name="counters", verbose_name=_("services"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["mission", "name"], name="consular_counter_name")]

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """Bookable capacity: `capacity` places at a mission in [starts_at, ends_at) for one service (None: any service
    that takes appointments), open to booking from `released_at` (slots are released in announced batches)."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="slots")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    released_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["mission", "starts_at"], name="consular_slot_mission_time")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="consular_slot_order"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="consular_slot_capacity"),
        ]


LIVE = ["active", "held"]  # statuses that hold a place and count as the person's booking


class Booking(models.Model):
    """One person's appointment. The database keeps the two promises, whatever the race:
    - a place of a slot is held by one active booking (places are 1 … the slot's capacity);
    - a person (their NIK or passport, not their e-mail) holds one active booking per service."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("booked")
        HELD = "held", _("offered, on hold")  # a waitlist offer: the place is kept until hold_until
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("offer expired")
        ATTENDED = "attended", _("attended")
        NO_SHOW = "no_show", _("did not come")

    reference = models.CharField(max_length=12, unique=True)  # what the person quotes at the counter
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    place = models.PositiveSmallIntegerField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, related_name="bookings")
    identity = models.CharField(max_length=60)  # "nik:<blind index>" or "passport:<blind index>"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)  # a held place (waitlist offer) lapses then
    client_ip = models.CharField(max_length=64, blank=True, default="")  # for the fixer patterns
    device = models.CharField(max_length=64, blank=True, default="")  # the browser's or app's device id

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "place"], condition=models.Q(status__in=LIVE),
                                    name="consular_booking_live_place"),
            models.UniqueConstraint(fields=["identity", "service"], condition=models.Q(status__in=LIVE),
                                    name="consular_booking_live_one_per_service"),
        ]
        indexes = [
            models.Index(fields=["status", "hold_until"], name="consular_booking_hold",
                         condition=models.Q(status="held")),
            models.Index(fields=["created_at"], name="consular_booking_created"),
        ]


class WaitlistEntry(models.Model):
    """A person waiting for a place at a mission for a service. A place that frees up (cancelled, a lapsed
    offer, a no-show while the session still runs) is offered to the longest-waiting entry as a held booking
    that they accept before it lapses."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        OFFERED = "offered", _("offered a place")
        BOOKED = "booked", _("booked")
        LEFT = "left", _("left the waiting list")
        LAPSED = "lapsed", _("missed the offers")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="waitlist")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="waitlist")
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.CASCADE, related_name="waitlist")
    identity = models.CharField(max_length=60)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    offers = models.PositiveSmallIntegerField(default=0)  # offers made so far (lapsed ones included)
    booking = models.ForeignKey(Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "service", "mission"],
                                    condition=models.Q(status__in=["waiting", "offered"]),
                                    name="consular_waitlist_once"),
        ]
        indexes = [models.Index(fields=["mission", "status", "created_at"], name="consular_waitlist_queue")]


class Demand(models.Model):
    """What capacity planning reads besides bookings: a search that found no free slot, a waitlist join, a
    booking refused because the slot filled. One row per event (small: a few per person)."""

    class Kind(models.TextChoices):
        NO_SLOT = "no_slot", _("searched, no free slot")
        FULL = "full", _("slot filled while booking")
        WAITLIST = "waitlist", _("joined the waiting list")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["mission", "at"], name="consular_demand_mission_at")]


class FixerFlag(models.Model):
    """A pattern typical of fixers (calo), for the head of consular affairs to look at: many bookings for
    different people from one device or one network address, or a person who books and never comes."""

    class Kind(models.TextChoices):
        DEVICE = "device", _("many people booked from one device")
        ADDRESS = "address", _("many people booked from one network address")
        NO_SHOW = "no_show", _("booked and did not come, again and again")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=80)  # the device id, the address, or the identity
    bookings = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    created_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-last_seen"]
        constraints = [models.UniqueConstraint(fields=["mission", "kind", "key"], name="consular_fixer_flag")]
