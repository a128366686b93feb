"""The dispatch catalogue, service levels, matter types, knowledge base and parameters are
maintained in the admin (派单目录动态维护)."""

from django.contrib import admin

from yiwang.hotline.models import DispatchRule, HotlineConfig, KnowledgeArticle, MatterType, ServiceLevel


@admin.register(MatterType)
class MatterTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "default_category", "is_active")
    search_fields = ("code", "name")


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ("matter_type", "division", "lead_unit", "is_active")
    list_filter = ("is_active", "matter_type")
    autocomplete_fields = ("matter_type",)
    filter_horizontal = ("assisting_units",)


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ("category", "urgency", "budget", "unit", "yellow_threshold")


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "department", "status", "expires_on")
    list_filter = ("status",)
    search_fields = ("title", "question")
    readonly_fields = ("search_text", "status", "reviewed_by", "published_at")


@admin.register(HotlineConfig)
class HotlineConfigAdmin(admin.ModelAdmin):
    list_display = ("max_reopens", "duplicate_window_days")
