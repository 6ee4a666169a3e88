"""A copy of a scanned page with rectangles blacked out, for export (the original is untouched).

The OCR word boxes are in the coordinates of the page as it was read: enlarged if small,
turned upright, deskewed. The same steps, with the parameters stored for the page, give the
same frame; the boxes are filled there, and the copy is brought back to the scan's size.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Margin around each word box, in pixels of the frame read, so no ascender or accent shows.
PADDING = 4


def masked_png(
    path: Path, kind: str, index: int, params: dict[str, Any], boxes: Sequence[Sequence[int]]
) -> bytes:
    """The page, upright and deskewed as OCR read it, with ``boxes`` (left, top, width, height)
    filled in black, as PNG bytes."""
    from PIL import ImageDraw

    from mairie_cli.ocr import imageops, sources
    from mairie_cli.ocr.worker import MIN_SKEW

    image, _, _ = sources.load_page(path, kind, index)
    if image is None:
        raise ValueError("page sans image")
    grey = imageops.normalise(image)
    size = grey.size
    grey, factor = imageops.upscale_if_small(grey)
    rotation = int(params.get("rotation") or 0)
    if rotation:
        grey = grey.rotate(-rotation, expand=True)
        size = (size[1], size[0]) if rotation % 180 else size
    skew = float(params.get("skew") or 0.0)
    if abs(skew) >= MIN_SKEW:
        grey = imageops.rotate(grey, skew)
    draw = ImageDraw.Draw(grey)
    for left, top, width, height in boxes:
        draw.rectangle(
            [left - PADDING, top - PADDING, left + width + PADDING, top + height + PADDING], fill=0
        )
    if factor != 1.0:
        grey = grey.resize(size)
    out = io.BytesIO()
    grey.save(out, format="PNG")
    return out.getvalue()
