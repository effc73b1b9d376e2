"""Officers' calls and notes about a person, the one thing the timeline stores itself (every other entry is
read from the app that owns it).

A note is append-only: there is no edit and no delete (services offer neither); a correction is a new note.
`mission` is the unit the officer acted for, and it scopes the note like every other entry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TEXT_MAX = 2000


class Note(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        NOTE = "note", _("Note")

    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, related_name="timeline_notes",
                                db_index=False)
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    at = models.DateTimeField(_("when"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["citizen", "at", "id"], name="timeline_note_citizen_at")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.citizen_id}@{self.at:%Y-%m-%d}"
