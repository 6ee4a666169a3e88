"""Scanned files as a copier produces them: JPEG, PNG, TIFF (multi-page) and PDF.

Opening checks what can go wrong before any OCR (empty file, a text file named ``.jpg``,
truncated image, decompression bomb, encrypted PDF) and says it in French. Pages are then
loaded one at a time, so that a 300-page PDF never sits whole in memory.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_cli.errors import ScanUnreadable
from mairie_cli.files import cause

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
PDF_SUFFIXES = {".pdf"}
SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
#: PDF pages are rendered at this resolution (what tesseract expects).
PDF_DPI = 300
#: Pillow's guard against decompression bombs, made an error: 180 megapixels is more than an
#: A3 page at 600 dpi.
MAX_PIXELS = 180_000_000
#: A PDF page with at least this many letters in its text layer is not OCR'd again.
TEXT_LAYER_MIN_LETTERS = 20


@dataclass(frozen=True)
class ScanFile:
    """A scanned file: its kind and number of pages."""

    path: Path
    kind: str  # "image" or "pdf"
    pages: int


def inspect(path: Path) -> ScanFile:
    """Check a scanned file and count its pages; ``ScanUnreadable`` says what is wrong."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise ScanUnreadable(f"« {name} » ne peut pas être lu : {cause(exc)}.") from None
    if size == 0:
        raise ScanUnreadable(f"« {name} » est vide (0 octet) : refaites le scan.")
    if head.startswith(b"%PDF"):
        return ScanFile(path, "pdf", _pdf_pages(path))
    return ScanFile(path, "image", _image_pages(path))


def _image_pages(path: Path) -> int:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                image.load()  # decodes the first page: a truncated file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ScanUnreadable(
            f"« {path.name} » annonce une image démesurée (plus de {MAX_PIXELS // 1_000_000} "
            "millions de pixels) : fichier piégé ou scan mal réglé, il n'est pas ouvert."
        ) from None
    except UnidentifiedImageError:
        raise ScanUnreadable(
            f"« {path.name} » n'est pas une image (JPEG, PNG, TIFF) ni un PDF, malgré son nom."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ScanUnreadable(
            f"« {path.name} » est une image abîmée ou tronquée : refaites le scan."
        ) from None
    return int(frames)


def _pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ScanUnreadable(
                f"« {path.name} » est un PDF protégé par un mot de passe : enregistrez-le sans "
                "protection (ou refaites le scan) puis recommencez."
            ) from None
        raise ScanUnreadable(f"« {path.name} » est un PDF abîmé ou tronqué : refaites le scan.") from None
    try:
        return len(document)
    finally:
        document.close()


def load_page(path: Path, kind: str, index: int) -> tuple[Any, str | None, int]:
    """One page: the image (or None), the text of a PDF's text layer (or None), and its dpi."""
    if kind == "pdf":
        return _load_pdf_page(path, index)
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(path) as image:
        if index:
            image.seek(index)
        image.load()
        dpi = image.info.get("dpi", (0, 0))[0] or 0
        return image.copy(), None, int(dpi)


def _load_pdf_page(path: Path, index: int) -> tuple[Any, str | None, int]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        page = document[index]
        text = page.get_textpage().get_text_range()
        if sum(c.isalpha() for c in text) >= TEXT_LAYER_MIN_LETTERS:
            return None, text, 0
        scale = render_scale(*page.get_size())
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil(), None, round(scale * 72)
    finally:
        document.close()


def render_scale(width: float, height: float) -> float:
    """Points to pixels for a PDF page: 300 dpi, or less when the page declares a size that would
    pass the pixel budget of images (a 200-inch page is rendered small, never in 10 GiB)."""
    scale = PDF_DPI / 72
    area = max(width, 1.0) * max(height, 1.0)
    if area * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / area) ** 0.5 * 0.999  # rendering rounds each side up
    return scale
