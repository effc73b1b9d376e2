from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from embassy.missions.models import Jurisdiction, Membership, Mission
from embassy.missions.services import mission_delete, mission_save, routing_bump


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
        return format_html_join(format_html("<br>"), '<a href="{0}" rel="noopener noreferrer">{0}</a>',
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "mission", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "mission__code")
    autocomplete_fields = ("mission",)
