"""Administrators name approvers for a unit's accounts here (besides its head of mission, who always approves):
e.g. the digital-diplomacy team lead for headquarters' accounts. Drafts and the archive are read-only here."""

from django.contrib import admin

from embassy.publishing.models import Approver, ArchiveEntry


@admin.register(Approver)
class ApproverAdmin(admin.ModelAdmin[Approver]):
    list_display = ("unit", "user", "granted_at")
    autocomplete_fields = ("user",)
    list_select_related = ("unit", "user")


@admin.register(ArchiveEntry)
class ArchiveEntryAdmin(admin.ModelAdmin[ArchiveEntry]):
    list_display = ("at", "event", "version", "account", "platform_post_id")
    list_select_related = ("account",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
