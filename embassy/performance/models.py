"""Performance in public (issue 16, point 5): the rollups the public pages read, the costs headquarters enters,
and the IKM satisfaction survey (Permenpan-RB 14/2017) with its single-use invitations. Rules and formulas:
docs/performance.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

YEAR = "year"  # Rollup.period of the whole 12-month window (its percentiles are exact, not merged months)


class Rollup(models.Model):
    """One mission's figures for one mission-local month ("2026-11") or for the 12 months ending with the current
    month (`period` = "year"). `service` None: the mission as a whole (its complaints and SOS cases have no
    service). `figures`: counts, sums and percentiles (docs/performance.md lists the keys); rebuilt whole for a
    mission by embassy.performance.rollup, so the page never touches the source tables."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("consular.Service", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    period = models.CharField(max_length=7)
    figures = models.JSONField(default=dict)
    built_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["mission", "period"], name="performance_rollup_period")]


class MissionCost(models.Model):
    """What running a mission's consular services cost in one calendar year, entered by headquarters (never
    estimated by the platform: a missing year shows "not entered")."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("cost"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="IDR")
    note = models.CharField(_("source or note"), max_length=300, blank=True, default="")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mission", "year"], name="performance_cost_year")]


class Subject(models.TextChoices):
    """What a survey asks about: a finished service or a closed complaint."""

    APPLICATION = "application", _("application")
    TICKET = "ticket", _("visit to the counter")
    COMPLAINT = "complaint", _("complaint")


class SurveyInvite(models.Model):
    """One person asked once about one finished service or closed complaint (the unique constraint is the
    "asked once" promise). The link carries only this row's id, signed (embassy.performance.links); answering
    sets `answered_at` once, so a replayed link records nothing."""

    kind = models.CharField(max_length=12, choices=Subject.choices)
    subject_id = models.BigIntegerField()
    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("consular.Service", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "subject_id"], name="performance_invite_once")]


class SurveyResponse(models.Model):
    """The nine answers (1-4) of one invitation and an optional comment. Nothing names the person: the public
    figures are sums of these rows."""

    invite = models.OneToOneField(SurveyInvite, on_delete=models.CASCADE, related_name="response")
    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("consular.Service", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    kind = models.CharField(max_length=12, choices=Subject.choices)
    answered_at = models.DateTimeField()
    u1 = models.PositiveSmallIntegerField()
    u2 = models.PositiveSmallIntegerField()
    u3 = models.PositiveSmallIntegerField()
    u4 = models.PositiveSmallIntegerField()
    u5 = models.PositiveSmallIntegerField()
    u6 = models.PositiveSmallIntegerField()
    u7 = models.PositiveSmallIntegerField()
    u8 = models.PositiveSmallIntegerField()
    u9 = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["mission", "answered_at"], name="performance_response_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(u1__range=(1, 4), u2__range=(1, 4), u3__range=(1, 4), u4__range=(1, 4),
                                   u5__range=(1, 4), u6__range=(1, 4), u7__range=(1, 4), u8__range=(1, 4),
                                   u9__range=(1, 4)),
                name="performance_answers_1_to_4",
            )
        ]
