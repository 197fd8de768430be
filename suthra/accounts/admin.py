from django.contrib import admin

from suthra.accounts.models import Staff


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    """Read-mostly: staff are managed through the Staff pages, which audit every change."""

    list_display = ["username", "full_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    exclude = ["password"]
    filter_horizontal = ["cities", "ucs"]
