from django.contrib import admin

from suthra.core.admin import ReadOnlyAdmin
from suthra.visits.models import ComplianceVisit


@admin.register(ComplianceVisit)
class ComplianceVisitAdmin(ReadOnlyAdmin):
    list_display = ["id", "unit", "staff", "visited_at", "outcome", "status"]
    list_filter = ["status", "outcome"]
    raw_id_fields = ["unit", "staff"]
