from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from embassy.common.errors import BadInput
from embassy.missions.models import Jurisdiction, Membership, Mission
from embassy.missions.services import (
    membership_check,
    membership_grant,
    mission_delete,
    mission_save,
    routing_bump,
)


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    extra = 0
    fields = ("country", "admin1", "admin2")


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    """Edits go through the missions services, which tell every process's router (routing version)."""

    list_display = ("code", "kind", "name_id", "city", "country", "hotline", "source_date", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_id", "name_en", "city")
    readonly_fields = ("source_links",)
    inlines = [JurisdictionInline]

    @admin.display(description=_("Sources"))
    def source_links(self, obj: Mission) -> str:
        if not obj.source_urls:
            return "—"
        return format_html_join(mark_safe("<br>"), '<a href="{0}" rel="noopener noreferrer">{0}</a>',
                                ((u,) for u in obj.source_urls))

    def save_model(self, request: HttpRequest, obj: Mission, form: Any, change: bool) -> None:
        mission_save(mission=obj)

    def delete_model(self, request: HttpRequest, obj: Mission) -> None:
        mission_delete(mission=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for mission in queryset:
            mission_delete(mission=mission)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            routing_bump()


class MembershipForm(forms.ModelForm):
    """A grant in the admin follows the services' rule (membership_check)."""

    class Meta:
        model = Membership
        fields = ("user", "mission", "role")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("user") and data.get("mission") and data.get("role"):
            try:
                membership_check(user=data["user"], mission=data["mission"], role=data["role"])
            except BadInput as exc:
                raise ValidationError({exc.field if exc.field in self.fields else None: exc.message}) from exc  # type: ignore[dict-item]  # None is the form-wide error key, which the stubs do not allow
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are granted through membership_grant and never edited in place (revoke, then grant another)."""

    form = MembershipForm
    list_display = ("user", "mission", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "mission__code")
    autocomplete_fields = ("mission",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user", "mission", "role") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return
        granted = membership_grant(user=obj.user, mission=obj.mission, role=obj.role)
        obj.pk, obj._state.adding, obj._state.db = granted.pk, False, granted._state.db
