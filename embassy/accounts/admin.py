"""The Django admin, for headquarters administrators only (second factor required).

Citizens' records are deliberately not in the admin: every read of personal data goes through the
audited console and API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from embassy.accounts import services
from embassy.accounts.audit import audit_record
from embassy.accounts.models import ApiToken, AuditEvent, User
from embassy.missions.models import Role
from embassy.missions.selectors import scope_for


class HQAdminSite(admin.AdminSite):
    site_header = "Smart Embassy — administrasi / administration"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff and getattr(user, "kind", "") == "staff"):
            return False
        if not user.is_verified():
            return False
        return bool(user.is_superuser or Role.ADMINISTRATOR in scope_for(user).roles)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect(f"{reverse('accounts:staff-login')}?next={request.GET.get('next', '/admin/')}")


admin.site.__class__ = HQAdminSite


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Accounts added here are staff accounts made by services.staff_create, like everywhere else. Roles are
    granted as memberships (membership_grant's rule); neither the kind of an account nor the superuser flag
    is changed here (a superuser passes every role check: `manage.py createsuperuser` only)."""

    list_display = ("username", "kind", "email", "first_name", "last_name", "is_active", "last_login")
    list_filter = ("kind", "is_active", "is_staff")
    fieldsets = (*UserAdmin.fieldsets, ("Smart Embassy", {"fields": ("kind", "phone", "language")}))  # type: ignore[misc]  # UserAdmin.fieldsets is Optional in the stubs; it is set
    readonly_fields = ("kind", "is_superuser", "user_permissions", "groups", "last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        password = form.cleaned_data.get("password1") or None
        created = services.staff_create(username=obj.username, password=password or "")
        if password is None:
            created.set_unusable_password()
            created.save(update_fields=["password"])
        obj.pk, obj.kind, obj.password = created.pk, created.kind, created.password
        obj._state.adding, obj._state.db = False, created._state.db
        audit_record(actor=request.user, action="staff.create", object_type="user", object_id=created.pk)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by their owners only; an administrator revokes them (token_revoke, audited)."""

    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at", "expires_at",
                       "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset.select_related("user"):
            services.token_revoke(user=token.user, token_id=token.pk)
            audit_record(actor=request.user, action="token.revoke", object_type="api_token", object_id=token.pk)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "mission_code", "ip")
    list_filter = ("action",)
    search_fields = ("actor_label", "object_id", "mission_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
