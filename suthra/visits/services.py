"""Writes for compliance visits: record (idempotent by ``client_key``) and decide."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suthra.accounts import scope
from suthra.accounts.models import Role, Staff
from suthra.consumers.services import notice_serve, notices_unserve
from suthra.core import photos
from suthra.core.audit import audit_record
from suthra.core.photos import StoredPhoto
from suthra.notifications.services import notify
from suthra.units.models import SurveyUnit
from suthra.visits.geo import haversine_m
from suthra.visits.models import ComplianceVisit, VisitOutcome, VisitStatus


@dataclass(frozen=True)
class Proof:
    distance_m: float | None
    far: bool
    photo_time: bool
    low_accuracy: bool

    @property
    def flagged(self) -> bool:
        return self.far or self.photo_time or self.low_accuracy


def proof_of_presence(
    *,
    unit: SurveyUnit,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    visited_at: dt.datetime,
    photo_taken_at: dt.datetime | None,
) -> Proof:
    """Flags from the browser's GPS fix, the unit's surveyed GPS and the photo's EXIF time.

    - far: the fix is more than ``VISIT_MAX_DISTANCE_M`` from the unit;
    - low accuracy: no fix, or accuracy worse than ``VISIT_MAX_ACCURACY_M``;
    - photo time: the EXIF time is more than ``VISIT_PHOTO_MAX_SKEW_MINUTES`` from the visit.
    """
    max_distance = getattr(settings, "VISIT_MAX_DISTANCE_M", 100)
    max_accuracy = getattr(settings, "VISIT_MAX_ACCURACY_M", 50)
    max_skew = dt.timedelta(minutes=getattr(settings, "VISIT_PHOTO_MAX_SKEW_MINUTES", 30))
    distance = None
    if lat is not None and lon is not None and unit.lat is not None and unit.lon is not None:
        distance = round(haversine_m(lat, lon, unit.lat, unit.lon), 1)
    far = distance is not None and distance > max_distance
    low = lat is None or lon is None or accuracy_m is None or accuracy_m > max_accuracy
    skew = photo_taken_at is not None and abs(photo_taken_at - visited_at) > max_skew
    return Proof(distance_m=distance, far=far, photo_time=skew, low_accuracy=low)


def visit_by_key(client_key: uuid.UUID | None) -> ComplianceVisit | None:
    if client_key is None:
        return None
    return ComplianceVisit.objects.filter(client_key=client_key).first()


def visit_record(
    *,
    actor: Staff,
    unit: SurveyUnit,
    outcome: int,
    notes: str = "",
    lat: float | None = None,
    lon: float | None = None,
    accuracy_m: float | None = None,
    visited_at: dt.datetime | None = None,
    photo: StoredPhoto | None = None,
    client_key: uuid.UUID | None = None,
    notice_served: bool = False,
    notice_id: int | None = None,
) -> tuple[ComplianceVisit, bool]:
    """Any staff member records a visit to a unit in their area. Returns (visit, created).

    Idempotent: a repeated ``client_key`` returns the visit already recorded with it (a retried
    form or the offline queue re-posting). A "dispute" outcome opens a ticket. With
    ``notice_served`` the agent handed over the unit's defaulter notice (``notice_id``, the one
    the form offered, else the newest unserved): it is recorded as served at the visit's time,
    by the actor, in the same transaction (``consumers.services.notice_serve``, audited); one
    already served meanwhile is left as it is and the visit is still recorded.
    """
    existing = visit_by_key(client_key)
    if existing is not None:
        if existing.staff_id != actor.pk:
            raise ValidationError(_("This form was already used by someone else."))
        return existing, False
    if not scope.scoped(actor, SurveyUnit.objects.filter(pk=unit.pk), "uc").exists():
        raise PermissionDenied("This unit is outside your area.")
    visited_at = visited_at or timezone.now()
    proof = proof_of_presence(
        unit=unit,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        visited_at=visited_at,
        photo_taken_at=photo.taken_at if photo else None,
    )
    try:
        with transaction.atomic():
            visit = ComplianceVisit.objects.create(
                staff=actor,
                unit=unit,
                visited_at=visited_at,
                lat=lat,
                lon=lon,
                accuracy_m=accuracy_m,
                photo_key=photo.key if photo else "",
                thumb_key=photo.thumb_key if photo else "",
                photo_taken_at=photo.taken_at if photo else None,
                outcome=outcome,
                notes=notes,
                client_key=client_key,
                distance_m=proof.distance_m,
                flag_far=proof.far,
                flag_photo_time=proof.photo_time,
                flag_low_accuracy=proof.low_accuracy,
                flagged=proof.flagged,
            )
            if outcome == VisitOutcome.DISPUTE:
                from suthra.tickets.models import TicketType
                from suthra.tickets.services import ticket_raise

                ticket = ticket_raise(
                    actor=actor,
                    unit=unit,
                    type=TicketType.WRONG_BILL,
                    description=f"Dispute recorded at visit #{visit.pk}. {notes}".strip(),
                )
                visit.ticket = ticket
                visit.save(update_fields=["ticket"])
            if notice_served:
                notice_serve(
                    actor=actor,
                    unit=unit,
                    visit=visit,
                    served_at=visited_at,
                    notice_id=notice_id,
                )
            audit_record(
                actor=actor,
                action="visit.record",
                object_type="visit",
                object_id=visit.pk,
                changes={
                    "unit": unit.survey_id,
                    "outcome": str(VisitOutcome(outcome).label),
                    "distance_m": proof.distance_m,
                    "flagged": proof.flagged,
                },
            )
    except IntegrityError:
        # Two submissions with the same key raced; the other one won.
        again = visit_by_key(client_key)
        if again is None:
            raise
        return again, False
    return visit, True


def visit_record_with_photo(
    *, actor: Staff, unit: SurveyUnit, data: Mapping[str, Any]
) -> tuple[ComplianceVisit, bool]:
    """``visit_record`` from a valid ``VisitForm``'s cleaned data, its photo stored first (the
    page and the API both record visits this way). The stored photo is removed again when the
    visit is refused or was already recorded (a retry). Raises ``photos.PhotoError`` for a photo
    that cannot be read, and whatever ``visit_record`` raises."""
    stored = None
    if data.get("photo"):
        stored = photos.photo_store(photos.photo_process(data["photo"]), folder="visits")
    try:
        visit, created = visit_record(
            actor=actor,
            unit=unit,
            outcome=data["outcome"],
            notes=data.get("notes", ""),
            lat=data.get("lat"),
            lon=data.get("lon"),
            accuracy_m=data.get("accuracy"),
            visited_at=data.get("visited_at"),
            photo=stored,
            client_key=data.get("client_key"),
            notice_served=bool(data.get("notice_served")),
            notice_id=data.get("notice"),
        )
    except Exception:
        if stored:
            photos.photo_delete(stored.key, stored.thumb_key)
        raise
    if stored and not created:
        photos.photo_delete(stored.key, stored.thumb_key)
    return visit, created


def visit_decide(
    *, actor: Staff, visit: ComplianceVisit, approve: bool, reason: str = ""
) -> ComplianceVisit:
    """SUPERVISOR and above, with the unit in scope, approve or reject a pending visit (a reason
    is required to reject). The agent is notified."""
    reason = reason.strip()
    if not actor.at_least(Role.SUPERVISOR):
        raise PermissionDenied("Only supervisors and above approve visits.")
    if not scope.scoped(actor, ComplianceVisit.objects.filter(pk=visit.pk), "unit__uc").exists():
        raise PermissionDenied("This visit is outside your area.")
    # Maker–checker: whoever recorded a visit never decides it.
    if visit.staff_id == actor.pk:
        raise ValidationError(
            _("You recorded this visit: another supervisor or manager decides it.")
        )
    if not approve and not reason:
        raise ValidationError(_("Give a reason for rejecting the visit."))
    with transaction.atomic():
        locked = ComplianceVisit.objects.select_for_update().select_related("unit").get(pk=visit.pk)
        if locked.status != VisitStatus.PENDING:
            raise ValidationError(_("This visit has already been decided."))
        locked.status = VisitStatus.APPROVED if approve else VisitStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        if not approve:
            # A rejected visit proves no hand-over: its notices are to be served again.
            notices_unserve(actor=actor, visit=locked, reason=reason)
        audit_record(
            actor=actor,
            action="visit.decide",
            object_type="visit",
            object_id=locked.pk,
            changes={"status": ["PENDING", locked.status], "reason": reason},
        )
        word = "approved" if approve else "rejected"
        title = (
            gettext_lazy("Your visit to {unit} was approved")
            if approve
            else gettext_lazy("Your visit to {unit} was rejected")
        )
        notify(
            recipients=[locked.staff] if locked.staff_id != actor.pk else [],
            kind=f"visit.{word}",
            title=format_lazy(title, unit=locked.unit.survey_id),
            url=reverse("visits:detail", args=[locked.pk]),
            body=reason[:300],
        )
    return locked
