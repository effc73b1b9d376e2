from __future__ import annotations

from typing import ClassVar

from django.db import models


class FloorProbe(models.Model):
    """One row per call of the benchmark's floor endpoint (the cheapest possible "alert stored")."""

    user_id = models.BigIntegerField()
    at = models.DateTimeField()

    # Declared: the type checker runs with the product's settings, where this app is not installed.
    objects: ClassVar[models.Manager[FloorProbe]] = models.Manager()
