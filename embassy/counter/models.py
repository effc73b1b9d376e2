"""The day at the counter (issue 14, point 3): queue tickets of a mission's day, their numbering series and the
state each ticket goes through (waiting → called → serving → done, or no-show). Rules: docs/counter.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketSeries(models.Model):
    """The last number handed out for one letter at a mission on one (mission-local) day. The row is locked
    while a number is taken, so two kiosks issuing at the same instant never share a number; the unique
    constraint on Ticket keeps that promise even without the lock."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    letter = models.CharField(max_length=1)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mission", "day", "letter"], name="counter_series_day")
        ]


class Ticket(models.Model):
    """One person's place in a mission's queue for one day: "A012" (letter of its kind, number)."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("appointment")
        WALK_IN = "walk_in", _("walk-in")

    class Priority(models.TextChoices):
        NONE = "", _("none")
        EMERGENCY = "emergency", _("emergency")
        ELDERLY = "elderly", _("elderly person")
        PREGNANT = "pregnant", _("pregnant woman")
        DISABILITY = "disability", _("person with a disability")

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("done")
        NO_SHOW = "no_show", _("did not come")

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # in the mission's zone
    letter = models.CharField(max_length=1)  # A appointment, B walk-in, P priority (docs/counter.md)
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    priority = models.CharField(max_length=12, choices=Priority.choices, blank=True, default="")
    service = models.ForeignKey("consular.Service", on_delete=models.PROTECT, related_name="+")
    booking = models.OneToOneField(
        "consular.Booking", on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # The counter that called it (or serves it); while waiting after a transfer, the counter it was sent to.
    counter = models.ForeignKey(
        "consular.Counter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=48, unique=True)  # the holder's link: unguessable, not the number
    issued_at = models.DateTimeField()
    queued_at = models.DateTimeField()  # the place in the queue; a transfer keeps it
    due_at = models.DateTimeField(null=True, blank=True)  # an appointment's slot start
    called_at = models.DateTimeField(null=True, blank=True)  # first call
    announced_at = models.DateTimeField(
        null=True, blank=True
    )  # latest call or recall (the display speaks it)
    calls = models.PositiveSmallIntegerField(default=0)
    served_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    transfers = models.PositiveSmallIntegerField(default=0)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "day", "letter", "number"], name="counter_ticket_number"
            ),
        ]
        indexes = [models.Index(fields=["mission", "day", "status"], name="counter_ticket_day_status")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.letter}{self.number:03d}"

    @property
    def spoken(self) -> str:
        """The number as the display says it, digit by digit: "A 0 1 2"."""
        return " ".join([self.letter, *f"{self.number:03d}"])
