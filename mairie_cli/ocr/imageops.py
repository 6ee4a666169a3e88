"""Pure image functions used before OCR, always on a copy of the stored original."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageOps

#: A page whose share of dark pixels is below this is blank (scanned blank pages carry a
#: little dust and a border, trimmed before measuring).
BLANK_INK_RATIO = 0.003
#: Below this width a page is upscaled before OCR (a 72-dpi phone photo of an A4 page is
#: about 600 pixels wide; tesseract wants characters at least 20 pixels high).
MIN_WIDTH = 1200


def normalise(image: Image.Image) -> Image.Image:
    """Greyscale, whatever the scanner produced: CMYK, palette, transparency, 16 bits."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode == "I;16" or image.mode == "I":
        array = np.asarray(image, dtype=np.float32)
        peak = float(array.max()) or 1.0
        image = Image.fromarray((array * (255.0 / peak)).astype(np.uint8))
    return image.convert("L")


def ink_ratio(grey: Image.Image) -> float:
    """Share of dark pixels, margins excluded, measured on a reduced copy (cheap)."""
    small = grey.copy()
    small.thumbnail((600, 600))
    array = np.asarray(small)
    h, w = array.shape
    core = array[h // 20 : h - h // 20, w // 20 : w - w // 20]
    if core.size == 0:
        return 0.0
    threshold = min(128, int(np.percentile(core, 99)) - 60)
    return float((core < threshold).mean())


def upscale_if_small(grey: Image.Image) -> tuple[Image.Image, float]:
    """Enlarge small images so that characters reach a readable height; returns the factor."""
    if grey.width >= MIN_WIDTH:
        return grey, 1.0
    factor = MIN_WIDTH / grey.width
    size = (round(grey.width * factor), round(grey.height * factor))
    return grey.resize(size, Image.Resampling.LANCZOS), factor


def skew_angle(grey: Image.Image, limit: float = 6.0) -> float:
    """Skew of the text lines in degrees (positive: counter-clockwise), by projection profile.

    The page is binarised and reduced; for each candidate angle the rows' ink sums are
    computed on the rotated image, and the angle whose profile is sharpest (highest variance)
    wins: text lines then fall exactly on rows.
    """
    small = grey.copy()
    small.thumbnail((800, 800))
    array = np.asarray(small)
    ink = (array < min(160, int(np.percentile(array, 99)) - 50)).astype(np.uint8) * 255
    if ink.mean() < 0.5:  # almost nothing on the page
        return 0.0
    binary = Image.fromarray(ink)

    def score(angle: float) -> float:
        rotated = np.asarray(binary.rotate(angle, resample=Image.Resampling.NEAREST, expand=False))
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.var(profile))

    best = max(np.arange(-limit, limit + 0.01, 0.5), key=score)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=score)
    return round(float(fine), 2)


def rotate(grey: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise, filling the corners with white."""
    if not degrees:
        return grey
    return grey.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def to_array(image: Image.Image) -> Any:
    """For tests and evaluation scripts."""
    return np.asarray(image)
