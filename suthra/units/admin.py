from django.contrib import admin

from suthra.core.admin import ReadOnlyAdmin
from suthra.units.models import BusinessType, SurveyUnit, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0


@admin.register(BusinessType)
class BusinessTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ur"]
    inlines = [TariffInline]


@admin.register(SurveyUnit)
class SurveyUnitAdmin(ReadOnlyAdmin):
    list_display = ["survey_id", "consumer_name", "uc", "business_type", "category", "is_active"]
    list_select_related = ["uc", "business_type"]
    search_fields = ["survey_id"]
    raw_id_fields = ["uc", "business_type"]
    show_full_result_count = False
