"""The photo pipeline: formats, limits, bombs, EXIF read then stripped, sizes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from suthra.core import photos
from suthra.visits.tests.images import jpeg_bytes, png_bomb, upload


def test_photo_is_reencoded_small_with_thumbnail():
    processed = photos.photo_process(upload(jpeg_bytes(size=(4000, 3000))))
    assert len(processed.photo) <= 150 * 1024
    assert len(processed.thumb) <= 20 * 1024
    photo = Image.open(io.BytesIO(processed.photo))
    thumb = Image.open(io.BytesIO(processed.thumb))
    assert photo.format == "JPEG" and max(photo.size) <= 1280
    assert max(thumb.size) <= 240


def test_exif_time_and_gps_are_read_then_stripped():
    taken = dt.datetime(2025, 11, 20, 14, 30, 5)
    data = jpeg_bytes(taken_at=taken, gps=(31.5204, 74.3587))
    # The original really carries GPS.
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    processed = photos.photo_process(upload(data))
    assert processed.taken_at == timezone.make_aware(taken, timezone.get_default_timezone())
    assert processed.gps is not None
    assert processed.gps[0] == pytest.approx(31.5204, abs=1e-4)
    assert processed.gps[1] == pytest.approx(74.3587, abs=1e-4)
    for blob in (processed.photo, processed.thumb):
        stored = Image.open(io.BytesIO(blob))
        assert not stored.getexif().get_ifd(0x8825)
        assert len(stored.getexif()) == 0
        assert b"Exif" not in blob[:4096]
        assert b"TestPhone" not in blob


def test_png_and_webp_are_accepted_and_become_jpeg():
    for fmt in ("PNG", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGBA", (300, 200), (200, 10, 10, 128)).save(buffer, fmt)
        processed = photos.photo_process(upload(buffer.getvalue(), name=f"x.{fmt.lower()}"))
        assert Image.open(io.BytesIO(processed.photo)).format == "JPEG"


@pytest.mark.skipif(not photos.HEIF_SUPPORTED, reason="pillow-heif not installed")
def test_heic_is_accepted():
    import pillow_heif

    heif = pillow_heif.from_pillow(Image.new("RGB", (320, 240), (1, 2, 3)))
    buffer = io.BytesIO()
    heif.save(buffer, quality=50)
    processed = photos.photo_process(upload(buffer.getvalue(), name="x.heic"))
    assert Image.open(io.BytesIO(processed.photo)).format == "JPEG"


def test_text_file_renamed_jpg_is_refused():
    with pytest.raises(photos.PhotoError, match="not a photo"):
        photos.photo_process(upload(b"hello, I am not an image\n" * 50, name="evil.jpg"))


def test_other_image_formats_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, "GIF")
    with pytest.raises(photos.PhotoError, match="not allowed"):
        photos.photo_process(upload(buffer.getvalue(), name="x.gif"))


def test_decompression_bomb_is_refused():
    with pytest.raises(photos.PhotoError, match="too many pixels"):
        photos.photo_process(upload(png_bomb(), name="bomb.png"))


def test_image_over_our_pixel_limit_is_refused(settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    with pytest.raises(photos.PhotoError, match="too many pixels"):
        photos.photo_process(upload(jpeg_bytes(size=(200, 200), noisy=False)))


def test_30_mb_photo_is_refused_before_decoding():
    big = upload(b"\xff\xd8\xff\xe0" + b"\0" * (30 * 1024 * 1024), name="huge.jpg")
    with pytest.raises(photos.PhotoError, match="too large"):
        photos.photo_process(big)


def test_empty_file_is_refused():
    with pytest.raises(photos.PhotoError):
        photos.photo_process(upload(b"", name="x.jpg"))


def test_store_writes_photo_and_thumb_through_storage():
    processed = photos.photo_process(upload(jpeg_bytes(size=(800, 600))))
    stored = photos.photo_store(processed, folder="visits")
    assert stored.key.startswith("visits/") and stored.thumb_key.endswith("_t.jpg")
    with photos.photo_open(stored.key) as fh:
        assert fh.read() == processed.photo
    photos.photo_delete(stored.key, stored.thumb_key)
    assert not photos.photo_storage().exists(stored.key)


def test_the_jpeg_comment_segment_does_not_survive(settings):
    """Every metadata segment is stripped, the comment (COM) too (issue 21, finding 3)."""
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 40)).save(
        buffer, "JPEG", comment=b"secret-comment-from-the-phone"
    )
    done = photos.photo_process(upload(buffer.getvalue()))
    assert b"secret-comment-from-the-phone" not in done.photo
    assert b"secret-comment-from-the-phone" not in done.thumb


def test_a_huge_png_is_refused_before_it_is_decoded():
    buffer = io.BytesIO()
    Image.new("L", (7070, 7070), 0).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 1_000_000  # a small file that decodes to 50 MP
    with pytest.raises(photos.PhotoError, match="too many pixels"):
        photos.photo_process(upload(buffer.getvalue()))


def test_a_big_jpeg_is_decoded_at_a_reduced_scale_in_bounded_memory(tmp_path):
    """A 48 MP JPEG: the worker's peak memory stays far below a full decode (≈ 150 MB RGB)."""
    import subprocess
    import sys

    path = tmp_path / "big.jpg"
    Image.new("RGB", (8000, 6000), (200, 30, 30)).save(path, "JPEG", quality=50)
    script = f"""
import io, resource, django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
django.setup()
from suthra.core import photos
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
data = open({str(path)!r}, "rb").read()
class U(io.BytesIO):
    size = len(data)
for _ in range(4):
    photos.photo_process(U(data))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    grown_mb = int(out.stdout.strip().splitlines()[-1])
    assert grown_mb < 80, grown_mb
