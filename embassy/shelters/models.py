"""Shelters run by missions for citizens in trouble, the stays in them, and the way home.

A `Residence` is one stay of one person in one shelter: checked in, checked out (null while present). The
person is the registry's `Citizen` when known — matched by the officer, never by name alone — else only the
name given. A residence may be linked to its case: a complaint and/or an SOS case of the same person.

The repatriation pipeline is kept per residence: `RepatriationStep` rows, one per step done, in the order
of `Step` (documents → exit permit → ticket → departure → arrival handed over). The residence keeps a copy
of its last step and since when it waits for the next (`repatriation_step`, `repatriation_waiting_since`) so that the board
"who is stuck where, for how long" is one indexed query."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The home-side agency that receives returning migrant workers, as recorded by default on the handover
# step; each residence keeps the agency actually named (data, not code).
HANDOVER_AGENCY_DEFAULT = "BP2MI"


class Shelter(models.Model):
    class Kind(models.TextChoices):
        WOMEN = "women", _("Women")
        MEN = "men", _("Men")
        FAMILIES = "families", _("Families")
        MIXED = "mixed", _("Women and men (separate rooms)")

    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="shelters")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("for whom"), max_length=10, choices=Kind.choices, default=Kind.MIXED)
    beds = models.PositiveIntegerField(_("beds"))
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["mission_id", "name"]
        constraints = [models.UniqueConstraint(fields=["mission", "name"], name="shelters_unique_name")]

    def __str__(self) -> str:
        return self.name


class Step(models.TextChoices):
    """The repatriation pipeline, in order."""

    DOCUMENTS = "documents", _("Travel document (SPLP)")
    EXIT_PERMIT = "exit_permit", _("Exit permit")
    TICKET = "ticket", _("Ticket")
    DEPARTURE = "departure", _("Departure")
    ARRIVAL = "arrival", _("Arrival, handed over")


STEP_ORDER: list[str] = [s.value for s in Step]


class Residence(models.Model):
    class CheckoutReason(models.TextChoices):
        REPATRIATED = "repatriated", _("Repatriated")
        NEW_EMPLOYER = "new_employer", _("New employer or back to work")
        OTHER_SHELTER = "other_shelter", _("Moved to another shelter or hospital")
        LEFT = "left", _("Left on their own")
        OTHER = "other", _("Other")

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="residences")
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="shelter_residences")
    person_name = models.CharField(_("name"), max_length=200)
    checked_in_at = models.DateTimeField(_("checked in"))
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="residences")
    sos_case = models.ForeignKey("sos.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    checkout_reason = models.CharField(_("reason"), max_length=20, choices=CheckoutReason.choices, blank=True,
                                       default="")
    # Checked in while every bed was taken, confirmed by the officer.
    overflow = models.BooleanField(default=False)
    note = models.TextField(_("note"), blank=True, default="")
    # The repatriation pipeline: whether this person is being brought home, the agency that receives them,
    # and the last step done (a copy of the newest RepatriationStep) for the board.
    repatriation = models.BooleanField(_("to be repatriated"), default=False)
    repatriation_since = models.DateTimeField(null=True, blank=True)
    handover_agency = models.CharField(_("receiving agency"), max_length=100, blank=True,
                                       default=HANDOVER_AGENCY_DEFAULT)
    repatriation_step = models.CharField(max_length=20, choices=Step.choices, blank=True, default="")
    # The mission's local date of the last step done, or of the day the pipeline started: "stuck since".
    repatriation_waiting_since = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        indexes = [
            models.Index(fields=["shelter", "checked_in_at"], name="shelters_res_in"),
            models.Index(fields=["shelter", "checked_out_at"], name="shelters_res_out"),
            models.Index(fields=["repatriation", "repatriation_waiting_since"], name="shelters_res_pipeline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True) | models.Q(checked_out_at__gte=models.F("checked_in_at")),
                name="shelters_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return self.person_name

    @property
    def present(self) -> bool:
        return self.checked_out_at is None


class RepatriationStep(models.Model):
    """One step of the pipeline, done on `done_on` by `done_by` (the officer who recorded it)."""

    residence = models.ForeignKey(Residence, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=20, choices=Step.choices)
    done_on = models.DateField(_("date done"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["residence_id", "done_on", "id"]
        constraints = [models.UniqueConstraint(fields=["residence", "step"], name="shelters_one_step_each")]

    def __str__(self) -> str:
        return f"{self.residence_id}:{self.step}"
