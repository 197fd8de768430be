"""Photo uploads: validate, read what we need from EXIF, re-encode small, store.

An uploaded file is never stored as uploaded. It must be an allowed format (JPEG, PNG, WebP, and
HEIC/HEIF through pillow-heif), within a byte limit and a pixel limit (Pillow's decompression-bomb
guard turned into an error), and is re-encoded to a JPEG of at most ``PHOTO_MAX_BYTES`` plus a
thumbnail of at most ``PHOTO_THUMB_MAX_BYTES``. EXIF (time taken, GPS) is read first and never
written out: the stored files carry no metadata at all.

Photos go through Django's storage API (see ``photo_storage``); the database keeps only the key
the storage returns (a path for local/S3, a file id for Google Drive).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import uuid
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.http import FileResponse, Http404
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

try:  # HEIC from iPhones and some Androids, only when the wheel is available.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    HEIF_SUPPORTED = False

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"} | ({"HEIF"} if HEIF_SUPPORTED else set())
ACCEPT_ATTR = "image/*"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


class PhotoError(ValueError):
    """The upload is not an acceptable photo; the message is safe to show the user."""


@dataclass(frozen=True)
class ProcessedPhoto:
    photo: bytes
    thumb: bytes
    width: int
    height: int
    source_format: str
    taken_at: dt.datetime | None
    gps: tuple[float, float] | None


@dataclass(frozen=True)
class StoredPhoto:
    key: str
    thumb_key: str
    taken_at: dt.datetime | None
    gps: tuple[float, float] | None


# --- EXIF --------------------------------------------------------------------------------------


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num) / float(den)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        deg, minutes, seconds = (_ratio(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = deg + minutes / 60 + seconds / 3600
    if str(ref).upper().startswith(("S", "W")):
        result = -result
    return result


def read_exif(image: Image.Image) -> tuple[dt.datetime | None, tuple[float, float] | None]:
    """(time the photo was taken, (lat, lon)) from EXIF; ``None`` for what is missing or bad.

    A time without an offset is taken as local time (Asia/Karachi): phone cameras write it so.
    """
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF is ignored, the photo itself may be fine
        return None, None
    taken_at: dt.datetime | None = None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        if raw:
            naive = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
            offset = sub.get(ExifTags.Base.OffsetTimeOriginal)
            if offset:
                aware = dt.datetime.strptime(
                    f"{naive:%Y-%m-%d %H:%M:%S}{str(offset).strip()}", "%Y-%m-%d %H:%M:%S%z"
                )
                taken_at = aware
            else:
                taken_at = timezone.make_aware(naive, timezone.get_default_timezone())
    except (ValueError, TypeError, KeyError):
        taken_at = None
    gps: tuple[float, float] | None = None
    try:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if info:
            lat = _dms(info.get(ExifTags.GPS.GPSLatitude), info.get(ExifTags.GPS.GPSLatitudeRef))
            lon = _dms(info.get(ExifTags.GPS.GPSLongitude), info.get(ExifTags.GPS.GPSLongitudeRef))
            if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
                gps = (lat, lon)
    except (ValueError, TypeError, KeyError):
        gps = None
    return taken_at, gps


# --- Validation and re-encoding ---------------------------------------------------------------


def _encode_under(image: Image.Image, max_side: int, max_bytes: int) -> bytes:
    """JPEG of ``image`` fitted in ``max_side`` px, stepping quality (then size) down to fit.

    Each failed round shrinks the side by the square root of how far over budget the smallest
    attempt was, so a noisy 12 MP photo needs a handful of encodes, not dozens.
    """
    side = max_side
    data = b""
    # One small working copy (at most max_side), not a full-size copy per round.
    base = image.copy()
    base.thumbnail((side, side), Image.Resampling.LANCZOS)
    base.info.clear()  # no comment (COM), ICC or EXIF segment is written again
    for _round in range(6):
        copy = base.copy()
        copy.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in (80, 65, 50, 38):
            buffer = io.BytesIO()
            # No exif= argument: nothing of the original metadata is written.
            copy.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
            data = buffer.getvalue()
            if len(data) <= max_bytes:
                return data
        side = max(32, int(side * min(0.9, (max_bytes / len(data)) ** 0.5 * 0.95)))
    return data


def _read_limited(upload: IO[bytes], max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise PhotoError(f"The photo is too large (limit {max_bytes // (1024 * 1024)} MB).")
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError(f"The photo is too large (limit {max_bytes // (1024 * 1024)} MB).")
    if not data:
        raise PhotoError("The photo file is empty.")
    return data


def photo_process(upload: IO[bytes]) -> ProcessedPhoto:
    """Validate and re-encode an uploaded photo. Raises ``PhotoError`` with a user message."""
    max_upload = _setting("PHOTO_MAX_UPLOAD_BYTES", 12 * 1024 * 1024)
    max_pixels = _setting("PHOTO_MAX_PIXELS", 50_000_000)
    max_pixels_decoded = _setting("PHOTO_MAX_DECODED_PIXELS", 16_000_000)
    # The working size: twice the stored side, so the final LANCZOS has detail to work with.
    work_side = 2 * max(_setting("PHOTO_MAX_SIDE", 1280), _setting("PHOTO_THUMB_SIDE", 240))
    data = _read_limited(upload, max_upload)
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data))
            source_format = str(image.format or "")
            if source_format not in ALLOWED_FORMATS:
                raise PhotoError(
                    "This file type is not allowed. Take a JPEG, PNG, WebP or HEIC photo."
                )
            width, height = image.size
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise PhotoError("The photo has too many pixels.")
            # Formats without a reduced decode (PNG, WebP, HEIC) are decoded whole: a
            # smaller pixel limit keeps four at once inside the memory budget (issue 21,
            # finding 3: a 162 KB PNG of 7070×7070 took a worker from 137 to 568 MB).
            if source_format != "JPEG" and width * height > max_pixels_decoded:
                raise PhotoError("The photo has too many pixels.")
            taken_at, gps = read_exif(image)
            if source_format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale straight from the file: never the full frame.
                image.draft("RGB", (work_side, work_side))
            image.load()
            # Shrink before any conversion: the RGBA composite and the transpose then work
            # on a few megapixels, not on the original.
            image.thumbnail((work_side, work_side), Image.Resampling.BILINEAR)
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):
                # Transparent PNG/WebP onto white, palettes and CMYK to RGB.
                background = Image.new("RGB", image.size, (255, 255, 255))
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            elif image.mode == "L":
                image = image.convert("RGB")
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoError("The photo has too many pixels.") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise PhotoError("This file is not a photo we can read.") from exc
    photo = _encode_under(
        image, _setting("PHOTO_MAX_SIDE", 1280), _setting("PHOTO_MAX_BYTES", 150 * 1024)
    )
    thumb = _encode_under(
        image, _setting("PHOTO_THUMB_SIDE", 240), _setting("PHOTO_THUMB_MAX_BYTES", 20 * 1024)
    )
    return ProcessedPhoto(
        photo=photo,
        thumb=thumb,
        width=image.width,
        height=image.height,
        source_format=source_format,
        taken_at=taken_at,
        gps=gps,
    )


# --- Storage -----------------------------------------------------------------------------------


def photo_storage() -> Storage:
    """The storage for photos: ``STORAGES["photos"]`` when configured, else the default storage.

    ``PHOTO_STORAGE`` (env) chooses local files, S3-compatible object storage or Google Drive;
    see docs/FIELD_WORK.md.
    """
    if "photos" in settings.STORAGES:
        return storages["photos"]
    return default_storage


def photo_store(processed: ProcessedPhoto, *, folder: str) -> StoredPhoto:
    """Save photo + thumbnail; returns the keys the storage gave back."""
    storage = photo_storage()
    now = timezone.localdate()
    stem = f"{folder}/{now:%Y/%m}/{uuid.uuid4().hex}"
    key = storage.save(f"{stem}.jpg", ContentFile(processed.photo))
    thumb_key = storage.save(f"{stem}_t.jpg", ContentFile(processed.thumb))
    return StoredPhoto(key=key, thumb_key=thumb_key, taken_at=processed.taken_at, gps=processed.gps)


# What ``photo_store`` returns: ``<folder>/<yyyy>/<mm>/<32 hex>[_t].jpg``, plus the
# ``_<7 letters>`` a storage appends when a name is taken. Google Drive returns its file id.
PHOTO_FOLDERS = ("units", "tickets", "visits", "adjustments")
_PHOTO_KEY = re.compile(
    "(?:" + "|".join(PHOTO_FOLDERS) + r")/\d{4}/\d{2}/[0-9a-f]{32}(?:_t)?(?:_[A-Za-z0-9]{7})?\.jpg",
    re.ASCII,
)
# A proof document (``document_store``): ``adjustments/<yyyy>/<mm>/<32 hex>.pdf``.
_DOCUMENT_KEY = re.compile(
    r"adjustments/\d{4}/\d{2}/[0-9a-f]{32}(?:_[A-Za-z0-9]{7})?\.pdf", re.ASCII
)
_DRIVE_ID = re.compile(r"[A-Za-z0-9_-]{20,100}", re.ASCII)


def photo_key_valid(key: str) -> bool:
    """Whether ``key`` is a photo key the pipeline produced (nothing else in storage).

    Stored imports, exports and staging files share the storage; a reference to one of them
    must never be served as a photo (SECURITY.md, "Photos")."""
    if not key:
        return False
    if _setting("PHOTO_STORAGE", "local") == "drive" and _DRIVE_ID.fullmatch(key):
        return True
    return bool(_PHOTO_KEY.fullmatch(key))


def photo_ref_acceptable(ref: str) -> bool:
    """A unit's ``photo_ref`` as an import may write it: a stored photo's key or an http(s)
    link to the old survey portal (shown as a link, never fetched by a page)."""
    if ref.startswith(("http://", "https://")):
        return len(ref) <= 255 and not any(c.isspace() or ord(c) < 32 for c in ref)
    return photo_key_valid(ref)


def photo_delete(*keys: str) -> None:
    """Best-effort removal (e.g. when the transaction that referenced them rolled back)."""
    storage = photo_storage()
    for key in keys:
        if key:
            # An orphan file is harmless; a failing delete must not hide the real error.
            with contextlib.suppress(Exception):
                storage.delete(key)


def photo_available(key: str) -> bool:
    """Whether a photo key is valid and its file is in storage (a legacy import may name photos
    that never arrived): pages show "photo not available" instead of a broken image."""
    if not photo_key_valid(key):
        return False
    try:
        return bool(photo_storage().exists(key))
    except Exception:  # storage unreachable: say "not available", never fail the page
        return False


def photo_open(key: str) -> IO[bytes]:
    return photo_storage().open(key, "rb")


def photo_of(obj: Any, *, thumb: bool = False) -> FileResponse:
    """``photo_response`` for a ticket's or visit's photo (``photo_key``), or its thumbnail
    (``thumb_key``). Callers check scope first."""
    return photo_response(obj.thumb_key if thumb else obj.photo_key)


def photo_response(key: str) -> FileResponse:
    """A stored photo as a private, cacheable response; 404 when there is none.

    Callers check scope first (the unit, ticket or visit must be the user's to see)."""
    if not photo_key_valid(key):
        raise Http404("No photo")
    try:
        handle = photo_open(key)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404("Photo missing from storage") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Proof documents (a photo or a PDF) ---------------------------------------------------------

PDF_MAGIC = b"%PDF-"
PROOF_ACCEPT_ATTR = "image/*,application/pdf"


def document_key_valid(key: str) -> bool:
    """Whether ``key`` is a proof PDF ``document_store`` wrote (or a Drive file id)."""
    if not key:
        return False
    if _setting("PHOTO_STORAGE", "local") == "drive" and _DRIVE_ID.fullmatch(key):
        return True
    return bool(_DOCUMENT_KEY.fullmatch(key))


def document_store(upload: IO[bytes], *, folder: str = "adjustments") -> str:
    """Store a proof: a photo goes through ``photo_process`` (re-encoded, no metadata); a PDF
    is checked by its first bytes (``%PDF-``), its end marker and its size, and stored as is.
    Returns the storage key. Raises ``PhotoError`` with a user message."""
    max_bytes = _setting("PROOF_PDF_MAX_BYTES", 5 * 1024 * 1024)
    if hasattr(upload, "seek"):
        upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    if hasattr(upload, "seek"):
        upload.seek(0)
    if head != PDF_MAGIC:
        return photo_store(photo_process(upload), folder=folder).key
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise PhotoError(f"The PDF is too large (limit {max_bytes // (1024 * 1024)} MB).")
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError(f"The PDF is too large (limit {max_bytes // (1024 * 1024)} MB).")
    if b"%%EOF" not in data[-2048:]:
        raise PhotoError("This PDF is incomplete or damaged.")
    stem = f"{folder}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}"
    return photo_storage().save(f"{stem}.pdf", ContentFile(data))


def document_response(key: str) -> FileResponse:
    """A stored proof (photo or PDF) as a private response; 404 when there is none.
    Callers check scope first."""
    if document_key_valid(key) and key.endswith(".pdf"):
        try:
            handle = photo_open(key)
        except (FileNotFoundError, OSError, ValueError) as exc:
            raise Http404("Proof missing from storage") from exc
        response = FileResponse(handle, content_type="application/pdf")
        response["Cache-Control"] = "private, max-age=3600"
        response["Content-Disposition"] = 'inline; filename="proof.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return photo_response(key)
