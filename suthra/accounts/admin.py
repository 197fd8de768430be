from typing import Any

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.http import HttpRequest

from suthra.accounts.models import Staff

try:  # two-factor devices are managed on the Staff pages (audited), not in the admin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin.site.unregister(TOTPDevice)
except (ImportError, NotRegistered):  # pragma: no cover - app order or absence
    pass


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    """Read-only: staff are managed through the Staff pages, which enforce the rules (last head,
    own role, area) and audit every change."""

    list_display = ["username", "full_name", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name"]
    exclude = ["password"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
