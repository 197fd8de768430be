from django.contrib import admin

from suthra.core.admin import ReadOnlyAdmin
from suthra.tickets.models import Ticket


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "status", "unit", "reported_by", "created_at"]
    list_filter = ["status", "type"]
    raw_id_fields = ["unit", "reported_by", "decided_by"]
