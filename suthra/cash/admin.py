from django.contrib import admin

from suthra.cash.models import CashReceipt, HandOver, ReceiptBlock, ReceiptBook
from suthra.core.admin import ReadOnlyAdmin

# Money changes only through the audited services (suthra.cash.services): read-only here.


@admin.register(CashReceipt)
class CashReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "collector", "amount", "collected_at", "status"]
    list_filter = ["status", "offline", "double_payment"]
    search_fields = ["number"]
    raw_id_fields = ["unit", "collector", "bill", "handover", "cancelled_by"]


@admin.register(HandOver)
class HandOverAdmin(ReadOnlyAdmin):
    list_display = ["id", "collector", "amount", "received_amount", "difference", "status"]
    list_filter = ["status", "method"]


@admin.register(ReceiptBook)
class ReceiptBookAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "collector", "next_number"]


@admin.register(ReceiptBlock)
class ReceiptBlockAdmin(ReadOnlyAdmin):
    list_display = ["book", "first", "last", "issued_at"]
