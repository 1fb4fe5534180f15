from django.contrib import admin

from catalog.models import CuratedOverride, FieldProvenance, HarvestRun, Module, ModuleRevision


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "title", "status", "last_harvest_status", "is_hidden")
    list_filter = ("kind", "status", "last_harvest_status", "is_hidden", "trainable", "inference")
    search_fields = ("name", "title", "summary")


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "started_at",
        "finished_at",
        "status",
        "modules_new",
        "modules_updated",
        "modules_failed",
        "http_requests",
        "conditional_hits",
    )


admin.site.register(FieldProvenance)
admin.site.register(ModuleRevision)
admin.site.register(CuratedOverride)
