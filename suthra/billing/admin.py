from django.contrib import admin

from suthra.billing.models import Bill


@admin.register(Bill)
class BillAdmin(admin.ModelAdmin):
    list_display = ["psid", "unit", "month", "monthly_fee", "arrears", "status", "paid_amount"]
    list_select_related = ["unit"]
    search_fields = ["=psid"]
    raw_id_fields = ["unit", "batch"]
    show_full_result_count = False
