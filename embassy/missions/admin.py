from django.contrib import admin

from embassy.missions.models import Jurisdiction, Membership, Mission


class JurisdictionInline(admin.TabularInline):
    model = Jurisdiction
    extra = 0


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "name_id", "city", "country", "hotline", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name_id", "name_en", "city")
    inlines = [JurisdictionInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "mission", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "mission__code")
    autocomplete_fields = ("mission",)
