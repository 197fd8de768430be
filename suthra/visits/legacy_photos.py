"""Move legacy survey photos (``image_portal_url``, kept in ``SurveyUnit.photo_ref`` until
moved) into photo storage: download, validate and re-encode like any upload, store, and point
``photo_ref`` at the storage key. Failures are recorded, never fatal."""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from suthra.core import photos
from suthra.core.audit import audit_record
from suthra.units.models import SurveyUnit

Fetcher = Callable[[str], bytes]


class FetchError(Exception):
    pass


def fetch_url(url: str, *, timeout: float = 20.0) -> bytes:
    """GET a legacy photo (http/https only; a size cap; optional host allow-list)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("not an http(s) URL")
    allowed = getattr(settings, "LEGACY_PHOTO_HOSTS", [])
    if allowed and parts.hostname not in allowed:
        raise FetchError(f"host {parts.hostname} is not in LEGACY_PHOTO_HOSTS")
    limit = getattr(settings, "PHOTO_MAX_UPLOAD_BYTES", 12 * 1024 * 1024)
    request = urllib.request.Request(url, headers={"User-Agent": "suthra-legacy-photos/1"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(limit + 1)
    except OSError as exc:  # URLError, HTTPError, timeouts, refused connections
        raise FetchError(str(exc)) from exc
    if len(data) > limit:
        raise FetchError("file too large")
    return data


@dataclass
class MoveReport:
    moved: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (survey_id, url, reason)

    def csv_bytes(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["survey_id", "url", "reason"])
        writer.writerows(self.failed)
        return out.getvalue().encode()


def legacy_photos_move(
    *, fetch: Fetcher | None = None, limit: int | None = None, dry_run: bool = False
) -> MoveReport:
    """For the ``manage.py move_legacy_photos`` command (operators only)."""
    fetch = fetch or fetch_url
    report = MoveReport()
    qs = (
        SurveyUnit.objects.filter(photo_ref__regex=r"^https?://")
        .order_by("id")
        .values_list("id", "survey_id", "photo_ref")
    )
    if limit:
        qs = qs[:limit]
    for unit_id, survey_id, url in qs.iterator(chunk_size=500):
        try:
            processed = photos.photo_process(io.BytesIO(fetch(url)))
        except (FetchError, photos.PhotoError) as exc:
            report.failed.append((survey_id, url, str(exc)))
            continue
        if dry_run:
            report.moved += 1
            continue
        stored = photos.photo_store(processed, folder="units")
        with transaction.atomic():
            updated = SurveyUnit.objects.filter(pk=unit_id, photo_ref=url).update(
                photo_ref=stored.key
            )
            if not updated:  # changed meanwhile
                photos.photo_delete(stored.key, stored.thumb_key)
                continue
            audit_record(
                actor=None,
                action="unit.photo_move",
                object_type="unit",
                object_id=unit_id,
                changes={"photo_ref": [url, stored.key]},
            )
        report.moved += 1
    return report


def save_failure_report(report: MoveReport) -> str:
    """Store the failures as CSV in the default storage; returns its key."""
    from django.core.files.storage import default_storage

    name = f"reports/legacy-photos-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
    return default_storage.save(name, ContentFile(report.csv_bytes()))
