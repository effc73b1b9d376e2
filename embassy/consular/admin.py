from django.contrib import admin

from embassy.consular.models import Counter, MissionService, OpeningHours, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_id", "mission", "fee", "currency", "target_days", "needs_appointment", "active")
    list_filter = ("active", "needs_appointment", "from_file")
    search_fields = ("code", "name_id", "name_en")


@admin.register(MissionService)
class MissionServiceAdmin(admin.ModelAdmin):
    list_display = ("mission", "service", "offered", "fee", "currency", "target_days", "needs_appointment")
    list_filter = ("offered",)


admin.site.register(OpeningHours)
admin.site.register(Counter)
