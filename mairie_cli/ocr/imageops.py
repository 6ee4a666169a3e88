"""Pure image functions used before OCR, always on a copy of the stored original."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

#: A page whose share of dark pixels is below this is blank (see ``ink_ratio``).
BLANK_INK_RATIO = 0.00005
#: The least difference from the paper that counts as ink (the grain of paper, once filtered,
#: stays under it).
MIN_CONTRAST = 24.0
#: White kept around the written part of a page handed to tesseract (a share of its width).
CROP_MARGIN = 1 / 40
#: The written part is handed alone to tesseract when it covers less than this share of the page
#: (wide margins are time lost; a tight scan is read whole, as it always was).
CROP_WHEN_BELOW = 0.6
#: A page whose column profile is this much sharper than its row profile is turned sideways
#: (typed pages give about 1.7 turned, 0.6 upright).
SIDEWAYS_RATIO = 1.3
#: Below this difference between paper and its darkest ink, a page is faint: stretched first.
FAINT_CONTRAST = 140.0
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


def reduced(grey: Image.Image, size: int) -> Image.Image:
    """A copy at most about ``size`` pixels on its longer side (integer box reduction: fast)."""
    factor = max(1, -(-max(grey.size) // size))
    return grey.reduce(factor) if factor > 1 else grey.copy()


def _filtered(grey: Image.Image) -> np.ndarray:
    """The page reduced to about 1000 pixels and median-filtered: a scanner's dust and speckles
    erased, even one line of small print kept."""
    from PIL import ImageFilter

    return np.asarray(reduced(grey, 1000).filter(ImageFilter.MedianFilter(3)))


def core(grey: Image.Image) -> np.ndarray:
    """``_filtered`` without the page's margins: what ink is measured on."""
    array = _filtered(grey)
    h, w = array.shape
    return array[h // 20 : h - h // 20, w // 20 : w - w // 20]


def ink_threshold(core: np.ndarray) -> tuple[float, float]:
    """The paper's grey and how much darker a pixel must be to count as ink.

    Relative to the page's own contrast: black print must be clearly darker than the paper,
    but a light grey typewriter ribbon or a pale photocopy, whose darkest strokes are only a few
    dozen levels below the paper, still counts (never below ``MIN_CONTRAST``, the paper's own
    grain after filtering).
    """
    paper = float(np.median(core))
    darkest = float(core.min())
    return paper, max(MIN_CONTRAST, min(80.0, (paper - darkest) / 2))


def ink_ratio(grey: Image.Image, measured: np.ndarray | None = None) -> float:
    """Share of pixels darker than the paper by the page's ink threshold, margins excluded (a
    noisy blank page gives 0, a page of thin 1914 typescript 0.0006, a single word 0.00012,
    the same page printed pale grey about as much as in black). ``measured`` is ``core(grey)``
    when the caller has it already."""
    array = core(grey) if measured is None else measured
    if array.size == 0:
        return 0.0
    paper, threshold = ink_threshold(array)
    return float((array < paper - threshold).mean())


def stretch_contrast(grey: Image.Image, measured: np.ndarray | None = None) -> Image.Image:
    """A faint page (its darkest strokes light grey) with its ink made black and its paper white,
    so that tesseract reads it as well as a dark one; a page with dark ink is left as it is.
    ``measured`` is ``core(grey)`` when the caller has it already."""
    array = core(grey) if measured is None else measured
    if array.size == 0:
        return grey
    paper, threshold = ink_threshold(array)
    ink = array[array < paper - threshold]
    if ink.size == 0:
        return grey
    dark = float(np.percentile(ink, 5))
    if paper - dark >= FAINT_CONTRAST:
        return grey
    span = max(paper - dark, 1.0)
    table = [int(min(255, max(0, round((value - dark) * 255 / span)))) for value in range(256)]
    return grey.point(table)


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
    ink = _dark(np.asarray(reduced(grey, 800))).astype(np.uint8) * 255
    if ink.mean() < 0.5:  # almost nothing on the page
        return 0.0
    binary = Image.fromarray(ink)

    def score(angle: float) -> float:
        rotated = np.asarray(binary.rotate(angle, resample=Image.Resampling.NEAREST, expand=False))
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float(np.var(profile))

    # Coarse then fine: 13 + 9 rotations of a small image instead of 120 at full precision.
    best = max(np.arange(-limit, limit + 0.01, 1.0), key=score)
    fine = max(np.arange(best - 1.0, best + 1.01, 0.25), key=score)
    return round(float(fine), 2)


def _dark(array: np.ndarray) -> np.ndarray:
    """Clearly dark pixels of a reduced page, for the profiles of skew and orientation."""
    return array < min(160, int(np.percentile(array, 99)) - 50)


def reading_box(grey: Image.Image) -> tuple[int, int, int, int]:
    """The part of the page to hand to tesseract: where the ink is, with a margin, when the
    margins are wide (they are time lost); else, or on a page without ink, the whole page.
    Left, top, right, bottom in the page's pixels."""
    array = _filtered(grey)  # dust and speckles are not ink
    factor = grey.width / array.shape[1]
    paper, threshold = ink_threshold(array)
    ink = array < paper - threshold
    rows, columns = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    whole = (0, 0, grey.width, grey.height)
    if rows.size == 0 or columns.size == 0:
        return whole
    pad = round(grey.width * CROP_MARGIN)  # tesseract wants some white around the text
    box = (
        max(0, round(columns[0] * factor) - pad), max(0, round(rows[0] * factor) - pad),
        min(grey.width, round((columns[-1] + 1) * factor) + pad),
        min(grey.height, round((rows[-1] + 1) * factor) + pad),
    )  # fmt: skip
    area = (box[2] - box[0]) * (box[3] - box[1])
    return box if area <= CROP_WHEN_BELOW * grey.width * grey.height else whole


def looks_sideways(grey: Image.Image) -> bool:
    """Whether the text lines run down the page (scanned a quarter turn off): the ink's column
    profile is then much sharper than its row profile (upright text: the reverse)."""
    ink = _dark(np.asarray(reduced(grey, 800)))
    if ink.mean() < 0.002:  # too little ink to tell
        return False
    rows = float(np.var(ink.sum(axis=1, dtype=np.float64))) / ink.shape[1]
    columns = float(np.var(ink.sum(axis=0, dtype=np.float64))) / ink.shape[0]
    return bool(columns > SIDEWAYS_RATIO * rows)


def speckled(grey: Image.Image) -> bool:
    """Whether the page carries a copier's speckles: dark pixels with no dark neighbour.

    Measured at full resolution on the centre of the page. Real scans of the corpus stay
    below 1 % of isolated dark pixels (old paper and JPEG included); copier noise is above 1.8 %.
    """
    array = np.asarray(grey)
    h, w = array.shape
    centre = array[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    dark = centre < float(np.median(centre)) - 80
    if dark.sum() < 50:
        return False
    padded = np.pad(dark, 1).astype(np.uint8)
    neighbours = sum(
        padded[1 + dy : padded.shape[0] - 1 + dy, 1 + dx : padded.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    isolated = dark & (neighbours == 0)
    return float(isolated.sum()) / float(dark.sum()) > 0.015


def despeckle(grey: Image.Image) -> Image.Image:
    """A 3×3 median filter, for speckled pages only (see ``speckled``).

    On synthetic pages with copier noise it took the error rate from 2.8 % to 0 % at 150 dpi;
    on clean scans of thin print it erases strokes (a 1914 typescript went from 4.5 % to 11 %),
    hence the test first.
    """
    from PIL import ImageFilter

    return grey.filter(ImageFilter.MedianFilter(3)) if speckled(grey) else grey


def rotate(grey: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise, filling the corners with white."""
    if not degrees:
        return grey
    # Bilinear: three times faster than bicubic on a 300-dpi page, the same for tesseract.
    # A skew of a few degrees only moves the corners, which are margins: the page keeps its
    # size (a larger canvas made tesseract slower); a quarter turn needs the new size.
    expand = abs(degrees) > 10
    return grey.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=expand, fillcolor=255)


#: Slants tried for a handwritten line, in degrees (positive: leaning right, as most hands do),
#: and below what height a line is read as it is.
SLANTS = tuple(range(-30, 31, 5))
_MIN_SLANT_HEIGHT = 8


def deslant(line: np.ndarray) -> tuple[np.ndarray, int]:
    """A handwritten line (height × width × 3) with its letters' slant sheared upright, and how
    many pixels its middle row moved right (the sheared line is that much wider on each side;
    0: the line as it is).

    The slant is the shear under which most columns hold a single unbroken vertical stroke
    (Vinciarelli and Luettin's criterion): the sum of the squared heights of the columns whose
    ink is contiguous is highest when the strokes stand upright. The recogniser, trained
    mostly on upright letters, reads a line leaning by 20–30° better once straightened
    (measured in ``bench/eval_handwriting.py``)."""
    grey = line.mean(axis=2) if line.ndim == 3 else line.astype(np.float64)
    height, width = grey.shape
    if height < _MIN_SLANT_HEIGHT or width < 2 * height:
        return line, 0
    ys, xs = np.nonzero(grey <= _otsu(grey))
    if len(xs) < 20:
        return line, 0
    offsets = ys - height / 2

    def upright_columns(degrees: int) -> float:
        columns = np.round(xs + offsets * np.tan(np.radians(degrees))).astype(np.int64)
        columns -= columns.min()
        counts = np.bincount(columns)
        top = np.full(len(counts), height)
        bottom = np.full(len(counts), -1)
        np.minimum.at(top, columns, ys)
        np.maximum.at(bottom, columns, ys)
        whole = (counts > 0) & (bottom - top + 1 == counts)
        return float((counts[whole].astype(np.float64) ** 2).sum())

    slant = max(SLANTS, key=lambda degrees: (upright_columns(degrees), -abs(degrees)))
    if slant == 0:
        return line, 0
    shear = float(np.tan(np.radians(slant)))
    pad = int(np.ceil(height / 2 * abs(shear)))
    paper = int(np.median(grey))
    image = Image.fromarray(np.ascontiguousarray(line))
    sheared = image.transform(
        (width + 2 * pad, height), Image.Transform.AFFINE, (1, -shear, shear * height / 2 - pad, 0, 1, 0),
        resample=Image.Resampling.BILINEAR, fillcolor=(paper,) * 3 if line.ndim == 3 else paper,
    )  # fmt: skip
    return np.asarray(sheared), pad


def widen(line: np.ndarray, factor: float) -> np.ndarray:
    """A line image (height × width × 3, 8 bits) drawn ``factor`` times as wide, as high."""
    height, width = line.shape[:2]
    wider = Image.fromarray(np.ascontiguousarray(line)).resize(
        (max(1, round(width * factor)), height), Image.Resampling.BICUBIC
    )
    return np.asarray(wider)


def _otsu(grey: np.ndarray) -> float:
    """The grey level that best separates ink (this level and darker) from paper (Otsu's method)."""
    histogram = np.bincount(np.clip(grey, 0, 255).astype(np.uint8).ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    total = weight[-1]
    mean = np.cumsum(histogram * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / np.maximum(weight * (total - weight), 1e-9)
    return float(np.argmax(between))
