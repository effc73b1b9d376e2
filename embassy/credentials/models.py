"""Signing keys (one current per mission, old ones kept for verification) and the documents they sign."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from embassy.common.fields import EncryptedCharField
from embassy.credentials.kinds import KIND_CHOICES, KINDS, KindSpec


class SigningKey(models.Model):
    """A mission's Ed25519 key. The private half is sealed at rest (common.crypto); a retired key signs nothing
    new but stays published, so every document it signed still verifies."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="signing_keys")
    kid = models.CharField(max_length=16, unique=True)
    public_key = models.CharField(max_length=64)  # base64url of the 32 raw bytes
    private_key = EncryptedCharField()  # base64url of the 32 raw bytes, sealed
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mission_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission"],
                condition=models.Q(retired_at__isnull=True),
                name="credentials_one_current_key",
            )
        ]

    def __str__(self) -> str:
        return self.kid


class Credential(models.Model):
    """A document signed by a mission for a citizen. `data` holds every field (sealed: it has ID numbers);
    `token` is the signed QR content as last signed (re-signed when the holder changes what it shows)."""

    serial = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="credentials")
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, related_name="credentials")
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="credentials")
    data = EncryptedCharField()
    consented = models.JSONField(default=list, blank=True)
    token = models.TextField()
    revision = models.PositiveIntegerField(default=1)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["mission", "issued_at"]), models.Index(fields=["revoked_at"])]

    def __str__(self) -> str:
        return self.serial

    @property
    def spec(self) -> KindSpec:
        return KINDS[self.kind]

    @property
    def fields(self) -> dict[str, str]:
        value = json.loads(self.data) if self.data else {}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
