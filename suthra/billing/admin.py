from django.contrib import admin

from suthra.billing.models import Adjustment, ArchivedMonth, Bill, PaymentException
from suthra.core.admin import ReadOnlyAdmin


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = [
        "psid",
        "unit",
        "month",
        "monthly_fee",
        "arrears",
        "get_status_display",
        "paid_amount",
    ]
    list_select_related = ["unit"]
    search_fields = ["=psid"]
    raw_id_fields = ["unit"]
    show_full_result_count = False


@admin.register(PaymentException)
class PaymentExceptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "psid", "kind", "amount", "paid_on", "batch", "resolved_at"]
    list_filter = ["kind"]
    search_fields = ["=psid"]
    raw_id_fields = ["batch", "bill", "resolved_by"]


@admin.register(ArchivedMonth)
class ArchivedMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "state",
        "bills",
        "total_due",
        "total_paid",
        "archived_at",
        "restored_at",
    ]
    readonly_fields = ["file_key", "sha256"]


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "bill_id", "kind", "amount", "status", "requested_by", "decided_by"]
    list_filter = ["kind", "status"]
