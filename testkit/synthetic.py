"""Synthetic register pages with known text: for the sample scans, the tests and the benchmarks.

Typed pages are drawn with a TrueType font (DejaVu, Arial or Liberation when present);
« handwriting » is the same text, slanted, jittered letter by letter and warped, which
tesseract reads with low confidence, as it reads real handwriting.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONT_FILES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
]
_SLANTED = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf",
    "C:/Windows/Fonts/ariali.ttf",
]


@lru_cache(maxsize=16)
def font(size: int, slanted: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with the French accents, or Pillow's own (which lacks them) as a last resort."""
    for candidate in (_SLANTED if slanted else []) + _FONT_FILES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size=size)


def has_accents() -> bool:
    """Whether a font with French accents was found (tests of accented text need one)."""
    return any(Path(f).is_file() for f in _FONT_FILES)


def typed_page(lines: list[str], *, dpi: int = 300, size_pt: float = 11, ruled: bool = False) -> Image.Image:
    """An A4 page typed in a sans-serif font; an empty string leaves a blank line."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    face = font(round(size_pt * dpi / 72))
    step = round(size_pt * dpi / 72 * 1.6)
    x, y = round(0.9 * dpi), round(0.9 * dpi)
    if ruled:
        for rule in range(y + step - step // 5, height - dpi // 2, step):
            draw.line([(dpi // 3, rule), (width - dpi // 3, rule)], fill=205, width=max(1, dpi // 150))
    for line in lines:
        if line:
            draw.text((x, y), line, font=face, fill=0)
        y += step
    return page


def handwritten_page(lines: list[str], *, dpi: int = 300, seed: int = 7) -> Image.Image:
    """The text as a hand would write it: slanted letters that wander and lean, joined by the
    pen's strokes, in uneven ink, on slightly waved paper."""
    rng = random.Random(seed)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    size = round(13 * dpi / 72)
    face = font(size, slanted=True)
    step = round(size * 1.9)
    pen = max(2, dpi // 110)
    y = round(0.9 * dpi)
    for line in lines:
        x = round(0.8 * dpi) + rng.randint(-dpi // 20, dpi // 20)
        drift = 0.0
        previous: tuple[int, int] | None = None
        for char in line:
            if char == " ":
                x += round(size * rng.uniform(0.35, 0.6))
                previous = None
                continue
            glyph = Image.new("L", (size * 2, size * 2), 0)
            ImageDraw.Draw(glyph).text((size // 2, size // 3), char, font=face, fill=255)
            glyph = glyph.resize(
                (round(glyph.width * rng.uniform(0.8, 1.25)), round(glyph.height * rng.uniform(0.8, 1.3)))
            ).rotate(rng.uniform(-28, 28), resample=Image.Resampling.BICUBIC)
            glyph = glyph.filter(ImageFilter.MaxFilter(3))
            drift += rng.uniform(-3, 3) * dpi / 300
            top = round(y + drift)
            page.paste(rng.randint(10, 80), (x - size // 2, top - size // 3), glyph)
            # The stroke joining this letter to the previous one, as a pen does not lift.
            here = (x + rng.randint(0, size // 4), top + round(size * rng.uniform(0.55, 0.8)))
            if previous is not None:
                middle = ((previous[0] + here[0]) // 2, max(previous[1], here[1]) + rng.randint(2, size // 5))
                draw.line([previous, middle, here], fill=rng.randint(20, 70), width=pen)
            advance = face.getlength(char) if hasattr(face, "getlength") else size // 2
            x += round(advance * rng.uniform(0.85, 1.2))
            previous = (x, here[1] + rng.randint(-size // 8, size // 8))
        y += step + rng.randint(-dpi // 25, dpi // 25)
    return warp(page.filter(ImageFilter.GaussianBlur(dpi / 250)), amplitude=dpi / 40, seed=seed)


def warp(image: Image.Image, amplitude: float, seed: int = 0) -> Image.Image:
    """A smooth wave displacement, as paper and pen leave it."""
    rng = np.random.default_rng(seed)
    array = np.asarray(image)
    h, w = array.shape
    yy, xx = np.mgrid[0:h, 0:w]
    phase = rng.uniform(0, 2 * math.pi, 2)
    dx = amplitude * np.sin(yy / (h / 17) + phase[0])
    dy = amplitude * np.sin(xx / (w / 13) + phase[1])
    src_x = np.clip((xx + dx).astype(int), 0, w - 1)
    src_y = np.clip((yy + dy).astype(int), 0, h - 1)
    return Image.fromarray(array[src_y, src_x])


def degrade(
    image: Image.Image,
    *,
    rotate: int = 0,
    skew: float = 0.0,
    noise: float = 0.0,
    scale: float = 1.0,
    seed: int = 0,
    faint: int = 0,
    blur: float = 0.0,
) -> Image.Image:
    """A scan as a copier makes it: turned (90, 180, 270), skewed (degrees), noisy, resampled;
    ``faint`` prints the ink in that grey instead of black (a tired ribbon, a pale photocopy:
    200 is light grey) and ``blur`` softens it (pixels of Gaussian radius at 300 dpi)."""
    page = image
    if faint:
        array = np.asarray(page).astype(np.float32)
        page = Image.fromarray((255 - (255 - array) * (255 - faint) / 255).astype(np.uint8))
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur * page.width / 2480))
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if rotate:
        page = page.rotate(rotate, expand=True)
    if scale != 1.0:
        page = page.resize((round(page.width * scale), round(page.height * scale)), Image.Resampling.LANCZOS)
    if noise:
        rng = np.random.default_rng(seed)
        array = np.asarray(page).astype(np.int16)
        array = array + rng.normal(0, noise, array.shape).astype(np.int16)
        speckles = rng.random(array.shape) < noise / 4000
        array[speckles] = 0
        page = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    return page
