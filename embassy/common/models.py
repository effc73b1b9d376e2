from __future__ import annotations

from django.db import models


class PeriodicRun(models.Model):
    """State of one periodic job, shared by every scheduler process (the row lock decides who enqueues)."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=200, blank=True, default="")


class Marker(models.Model):
    """Small named facts the system keeps about itself (e.g. which demo population was seeded)."""

    key = models.CharField(max_length=100, primary_key=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


class PendingKick(models.Model):
    """Coalesces a background task that many requests want run "soon" (see common.kicks): at most one
    waits in the queue per kick name."""

    name = models.CharField(max_length=40, primary_key=True)
    pending_since = models.DateTimeField(null=True, blank=True)
