from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Everyone who signs in. Citizens sign in with an email or phone and a one-time code; staff with a
    password and a second factor. Staff roles live in missions.Membership."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        STAFF = "staff", _("Staff")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)  # type: ignore[assignment]  # null: phone-only citizens; the stubs say str
    phone = models.CharField(_("phone (E.164)"), max_length=20, unique=True, null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    objects = UserManager()  # type: ignore[misc]  # the stubs' UserManager is generic over the default User

    # Set on each request's user by django_otp's OTPMiddleware, or by the API's token authentication.
    is_verified: Callable[[], bool]

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token for the mobile app / scripts. Only a hash is stored; the owner lists and revokes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class SignInCode(models.Model):
    """A one-time code sent to an email address or phone number. Only a hash of the code is stored.

    `purpose`: "signin" (sign in with the address) or "verify" (a citizen proves a new address is theirs).
    `ip` and `prefix` (the phone's country calling code) let accounts.limits bound how many codes one network,
    one country prefix and the whole platform may have sent (SMS pumping)."""

    class Purpose(models.TextChoices):
        SIGNIN = "signin", _("Sign in")
        VERIFY = "verify", _("Verify an address")

    address = models.CharField(max_length=254, db_index=True)
    channel = models.CharField(max_length=8)  # "email" | "sms"
    purpose = models.CharField(max_length=8, choices=Purpose.choices, default=Purpose.SIGNIN,
                               db_default=Purpose.SIGNIN)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.CharField(max_length=64, blank=True, default="", db_default="")
    prefix = models.CharField(max_length=4, blank=True, default="", db_default="")

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"], name="signincode_ip_at"),
                   models.Index(fields=["prefix", "created_at"], name="signincode_prefix_at")]


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """Append-only record of every staff read of, and every change to, personal data.

    The table also refuses UPDATE and DELETE at database level (triggers in the migration)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    citizen_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    mission_code = models.CharField(max_length=40, blank=True, db_index=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events cannot be deleted")
