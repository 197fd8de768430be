"""Test images made on the fly: real photos with EXIF, and hostile files."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from fractions import Fraction

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    value = abs(value)
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = Fraction(round((minutes_f - minutes) * 60 * 1000), 1000)
    return Fraction(deg), Fraction(minutes), seconds


def jpeg_bytes(
    *,
    size: tuple[int, int] = (1600, 1200),
    taken_at: dt.datetime | None = None,
    gps: tuple[float, float] | None = None,
    noisy: bool = True,
) -> bytes:
    """A JPEG with optional EXIF DateTimeOriginal (local time, no offset) and GPS."""
    if noisy:
        # Noise makes the JPEG big, like a real camera photo.
        image = Image.effect_noise(size, 60).convert("RGB")
    else:
        image = Image.new("RGB", size, (30, 120, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if taken_at is not None:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken_at.strftime(
            "%Y:%m:%d %H:%M:%S"
        )
    if gps is not None:
        lat, lon = gps
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(lon)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
