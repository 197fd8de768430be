"""Shared models: the append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Audit events are append-only")

    def delete(self):  # type: ignore[no-untyped-def]
        raise PermissionError("Audit events are append-only")


# Audit actions in words, for history lists (the audit log shows the code as well).
ACTION_LABELS = {
    "apitoken.create": _("API token created"),
    "apitoken.revoke": _("API token revoked"),
    "bill.bulk_status": _("Bills updated in bulk"),
    "bill.import_change": _("Bill changed by import"),
    "bill.payment": _("Payment recorded"),
    "bill.payment_manual": _("Payment entered by hand"),
    "export.download": _("Export downloaded"),
    "export.report": _("Report exported"),
    "export.start": _("Export started"),
    "import.commit": _("Import saved"),
    "login.failure": _("Failed login"),
    "login.lockout": _("Login locked"),
    "login.success": _("Logged in"),
    "otp.disable": _("Two-factor turned off"),
    "otp.enrol": _("Two-factor turned on"),
    "otp.failure": _("Wrong two-factor code"),
    "password.change": _("Password changed"),
    "payment_exception.resolve": _("Payment exception closed"),
    "session.timeout": _("Logged out (inactive)"),
    "staff.create": _("Staff member added"),
    "staff.deactivate": _("Staff member deactivated"),
    "staff.import": _("Staff imported"),
    "staff.otp_reset": _("Two-factor reset"),
    "staff.password_reset": _("Password reset"),
    "staff.reactivate": _("Staff member reactivated"),
    "staff.role": _("Role changed"),
    "staff.scope": _("Area changed"),
    "staff.sessions_end": _("Sessions ended"),
    "staff.unlock": _("Login unlocked"),
    "ticket.comment": _("Comment added"),
    "ticket.decide": _("Ticket decided"),
    "ticket.escalate": _("Ticket escalated"),
    "ticket.raise": _("Ticket raised"),
    "unit.activate": _("Unit activated"),
    "unit.billing": _("Billing details changed"),
    "unit.deactivate": _("Unit deactivated"),
    "unit.import_create": _("Unit added by import"),
    "unit.import_update": _("Unit changed by import"),
    "unit.photo_move": _("Photo moved"),
    "unit.update": _("Unit changed"),
    "visit.create": _("Visit recorded"),
    "visit.decide": _("Visit decided"),
    "visit.record": _("Visit recorded"),
}


class AuditEvent(models.Model):
    """Who did what to which object, when, from where; with before → after of changed fields.

    Written only by ``suthra.core.audit.audit_record`` inside the transaction of the change.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # e.g. "login.success", "bill.payment", "unit.deactivate", "staff.role"
    action = models.CharField(max_length=40)
    # The object's kind and key: ("unit", "1234"), ("bill", "<psid>"), ("staff", "7").
    object_type = models.CharField(max_length=20, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    # {"field": [before, after], ...} or free details for non-change events.
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError("Audit events are append-only")

    def change_rows(self) -> list[tuple[str, Any, Any, bool]]:
        """(field, before, after, is_change) for display; free details have is_change False."""
        rows: list[tuple[str, Any, Any, bool]] = []
        for key, value in (self.changes or {}).items() if isinstance(self.changes, dict) else []:
            if isinstance(value, list) and len(value) == 2:
                rows.append((str(key), value[0], value[1], True))
            else:
                rows.append((str(key), value, None, False))
        return rows

    @property
    def action_label(self) -> str:
        """The action in the reader's language (the code when it has no label)."""
        return str(ACTION_LABELS.get(self.action, self.action))
