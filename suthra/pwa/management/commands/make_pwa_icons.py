"""Draw the app icons (static/pwa/) with Pillow. Run once; the PNGs are committed.

"any" icons are a rounded green tile; "maskable" icons fill the whole square and keep the mark
inside the central 80 % safe zone, so Android may crop them to any shape.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

BRAND = (11, 110, 79)
WHITE = (255, 255, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BRAND)
        mark = int(big * 0.56)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BRAND)
        mark = int(big * 0.72)
    # A white disc with a green "S" (Suthra) and a small leaf-like stroke under it.
    left = (big - mark) // 2
    draw.ellipse((left, left, left + mark, left + mark), fill=WHITE)
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    try:
        font = ImageFont.truetype(FONT, int(mark * 0.62))
    except OSError:
        font = ImageFont.load_default(size=int(mark * 0.62))
    draw.text((big / 2, big / 2 - mark * 0.04), "S", fill=BRAND, font=font, anchor="mm")
    bar_w, bar_h = int(mark * 0.46), max(2, int(mark * 0.06))
    top = big // 2 + int(mark * 0.30)
    draw.rounded_rectangle(
        ((big - bar_w) // 2, top, (big + bar_w) // 2, top + bar_h), radius=bar_h // 2, fill=BRAND
    )
    return img.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draw static/pwa/icon-*.png (192 and 512 px, any and maskable)."

    def handle(self, *args: object, **options: object) -> None:
        out = Path(settings.BASE_DIR) / "static" / "pwa"
        out.mkdir(parents=True, exist_ok=True)
        for size in (192, 512):
            for maskable in (False, True):
                name = f"icon-{'maskable-' if maskable else ''}{size}.png"
                draw_icon(size, maskable=maskable).save(out / name, optimize=True)
                self.stdout.write(f"wrote {out / name}")
        draw_icon(180, maskable=True).convert("RGB").save(out / "apple-touch-icon.png")
