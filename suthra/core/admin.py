from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from suthra.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The admin shows these rows but never adds, changes or deletes them.

    Money, status and scope change only through the services behind the pages, which require a
    reason and write an audit event in the same transaction; an admin form would bypass both.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Append-only: visible to HEAD, never editable or deletable."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
