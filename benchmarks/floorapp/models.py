from django.db import models


class FloorProbe(models.Model):
    """One row per call of the benchmark's floor endpoint (the cheapest possible "alert stored")."""

    user_id = models.BigIntegerField()
    at = models.DateTimeField()
