"""Reading one page, in a worker process: the function the OCR batch maps over pages.

Importable at top level and free of shared state, so that it runs the same under « spawn »
(Windows, macOS) and « fork ». It never raises: a failure comes back as a result with
status « echec » and a French reason, so that one bad page never stops a batch.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from mairie_cli.errors import MairieError
from mairie_cli.files import cause
from mairie_cli.models import PageStatus

#: OSD is run only when the first reading looks poor: an upright page pays nothing for it.
ORIENTATION_MIN_CONFIDENCE = 1.5
#: Tesseract copes with less skew than this by itself; rotating a page costs a tenth of a second.
MIN_SKEW = 0.5


def warm_up() -> None:
    """Import in a new worker what reading a page needs (while the batch is being prepared)."""
    from mairie_cli.ocr import imageops, sources, tesseract, triage  # noqa: F401


def read_page(task: dict[str, Any]) -> dict[str, Any]:
    """OCR one page of a stored original; returns everything the page row and drafts need."""
    started = time.monotonic()
    result: dict[str, Any] = {"page_id": task["page_id"]}
    failed = PageStatus.FAILED.value
    try:
        result.update(_read(task))
    except TimeoutError:
        result.update(status=failed, error="délai dépassé : la page a pris trop de temps à lire")
    except MairieError as exc:
        result.update(status=failed, error=exc.message)
    except FileNotFoundError:
        result.update(status=failed, error="l'original n'est plus dans le dossier pages/ (effacé ?)")
    except OSError as exc:
        result.update(status=failed, error=f"fichier illisible ({cause(exc)})")
    except Exception:  # one bad page must never stop the batch: reported, not raised
        result.update(status=failed, error="erreur inattendue en lisant la page : relancez « mairie ocr »")
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _read(task: dict[str, Any]) -> dict[str, Any]:
    from mairie_cli.ocr import imageops, sources, tesseract, triage

    image, text_layer, dpi = sources.load_page(Path(task["path"]), task["kind"], task["index"])
    if text_layer is not None:
        text = text_layer.replace("\r\n", "\n").replace("\r", "\n")
        lines: list[list[Any]] = [[line.rstrip(), None] for line in text.split("\n")]
        while lines and not lines[-1][0].strip():
            lines.pop()
        return {"status": triage.TYPED.value, "engine": "pdf", "lines": lines, "words": [], "dpi": 0}
    grey = imageops.normalise(image)
    width, height = grey.size
    measured = imageops.core(grey)
    ink = imageops.ink_ratio(grey, measured)
    base = {"width": width, "height": height, "dpi": dpi, "ink_ratio": round(ink, 5)}
    plain = grey  # the handwriting engine reads it without the stretch and deskew (measured)
    # A pale page (tired ribbon, light photocopy) is read with its contrast stretched.
    grey = imageops.stretch_contrast(grey, measured)
    if triage.is_blank(ink) and not _reads_something(grey, task["language"]):
        # Blank: no ink after contrast normalisation, and nothing read either.
        return {**base, "status": triage.BLANK.value, "lines": [], "words": []}
    grey, factor = imageops.upscale_if_small(grey)
    timeout = float(task.get("timeout", 120))
    language = task["language"]
    rotation = 0
    if imageops.looks_sideways(grey):
        # Text lines running down the page: OSD says which way, before any reading is wasted.
        turn, confidence = _orientation(grey, timeout)
        if turn in (90, 270) and confidence >= ORIENTATION_MIN_CONFIDENCE:
            grey, rotation = grey.rotate(-turn, expand=True), turn
    words, verdict, skew = _read_upright(grey, language, timeout)
    if not words and ink < triage.FEW_INK:  # a stain or show-through: nothing to read, nothing to type
        return {**base, "status": triage.BLANK.value, "lines": [], "words": []}
    if _maybe_upside_down(verdict) and not rotation:
        # A page scanned upside down reads as gibberish (taken for handwriting, or for typing
        # with hardly a French word): ask OSD (on the page as scanned: a deskew computed on
        # turned text only blurs it), and keep the turned reading only if it is better.
        turn, confidence = _orientation(grey, timeout)
        if turn and confidence >= ORIENTATION_MIN_CONFIDENCE:
            again, second, second_skew = _read_upright(grey.rotate(-turn, expand=True), language, timeout)
            if _turned_is_better(second, verdict):
                words, verdict, skew, rotation = again, second, second_skew, turn
    params = {"psm": tesseract.DEFAULT_PSM, "upscale": round(factor, 3), "skew": skew, "rotation": rotation}
    handwriting = _handwriting(_as_turned(plain, rotation), verdict, task, timeout)
    if handwriting is not None:
        words, second, turned_by = handwriting  # how far the engine turned the page to read it
        params = {**params, "skew": 0.0, "rotation": (rotation + turned_by) % 360}
        return {**base, **_hand_result(params, verdict, words, second)}
    return {
        **base,
        "status": str(verdict.outcome),
        "engine": f"tesseract {task.get('engine_version', '')}".strip(),
        "model": language,
        "params": params,
        "mean_confidence": verdict.mean_confidence,
        "french_share": verdict.french_share,
        **_in_reading_order(_line_groups(words)),
    }


def _as_turned(plain: Any, rotation: int) -> Any:
    """The page for the handwriting engine: greyscale at tesseract's scale and turn, without the
    contrast stretch and the deskew (on the real handwritten pages they raised its character
    error rate from 34.5 % to 37.5 % and 39.3 %; its own detector follows slanted lines)."""
    from mairie_cli.ocr import imageops

    page, _ = imageops.upscale_if_small(plain)
    return page.rotate(-rotation, expand=True) if rotation else page


def _hand_result(
    params: dict[str, Any], tesseract_verdict: Any, words: list[Any], verdict: Any
) -> dict[str, Any]:
    """A page read by the handwriting engine (tesseract's own figures kept beside)."""
    from mairie_cli.ocr import handwriting

    return {
        # The triage stays tesseract's (typed or handwritten): only the reading changes engine.
        "status": str(tesseract_verdict.outcome),
        "engine": f"{handwriting.NAME} {handwriting.version()}",
        "model": handwriting.MODEL,
        "params": {
            **params,
            "tesseract": [tesseract_verdict.mean_confidence, tesseract_verdict.french_share],
        },
        "mean_confidence": verdict.mean_confidence,
        "french_share": verdict.french_share,
        **_text_and_marks(words),
    }


def _text_and_marks(words: list[Any]) -> dict[str, Any]:
    """A handwritten page's words and lines: its lines of text in reading order (their words in
    the same order, as ``relire`` counts them), then the words of its marks (``ocr.marks``),
    kept for the black-out of personal data and left out of the lines."""
    from mairie_cli.ocr import french_words, marks

    text, left_out = marks.split(_line_groups(words))
    rows = _in_position_order(_rows(text))
    read = _in_reading_order(french_words.pen_strokes_dropped(rows, french_words.load()))
    read["words"] += [
        marks.as_mark(word, number).to_list() for number, line in enumerate(left_out, 1) for word in line
    ]
    return read


def _rows(lines: list[list[Any]]) -> list[list[Any]]:
    """A handwritten page's lines with the pieces of one written line joined, left to right.
    The handwriting engine may find a line in two boxes, one a little lower (« une bonne » and
    « lettre de Mde Ceniou. »): sorted by height, the first piece would come after the whole
    line. Two boxes are one line when they share at least half the height of the smaller and
    the second starts to the right of the first (overlapping it by at most a quarter of that
    height; however far apart, as the cells of a table's row are). Each line
    keeps the place of its first piece; a page in one column is then put in the order of its
    lines' positions (``_in_position_order``)."""
    rows: list[tuple[int, list[Any], list[int]]] = []  # first piece's place, words, last piece's box
    for place, line in sorted(enumerate(lines), key=lambda item: _box(item[1])[0]):
        box = _box(line)
        for _, words, last in rows:
            shared = min(box[3], last[3]) - max(box[1], last[1])
            smaller = min(box[3] - box[1], last[3] - last[1])
            if shared >= smaller / 2 and box[0] >= last[2] - smaller / 4:
                words.extend(replace(word, line=words[0].line) for word in line)
                last[:] = box
                break
        else:
            rows.append((place, list(line), box))
    return [words for _, words, _ in sorted(rows, key=lambda row: row[0])]


def _in_reading_order(lines: list[list[Any]]) -> dict[str, Any]:
    """A page's words and its lines, both in reading order: ``relire`` finds a draft's words by
    counting lines among them."""
    return {"words": [w.to_list() for line in lines for w in line], "lines": [_line(line) for line in lines]}


def _maybe_upside_down(verdict: Any) -> bool:
    from mairie_cli.ocr import triage

    few_words = verdict.french_share is not None and verdict.french_share < triage.MIN_FRENCH_SHARE
    return bool(verdict.outcome == triage.HANDWRITTEN or few_words)


def _turned_is_better(turned: Any, first: Any) -> bool:
    """A turned page is kept only when it then reads as typing, and better. On handwriting both
    readings are gibberish: a few points of tesseract's confidence would turn a page that the
    handwriting engine then reads upside down (its own line classifier turns the lines that
    really are)."""
    from mairie_cli.ocr import triage

    gain = (turned.mean_confidence or 0) - (first.mean_confidence or 0)
    return gain > 0 and turned.outcome == triage.TYPED


def _orientation(grey: Any, timeout: float) -> tuple[int, float]:
    """Tesseract's orientation of the page, asked on a half-size copy (as sure, twice as fast)."""
    from mairie_cli.ocr import tesseract

    return tesseract.orientation(grey.reduce(2) if grey.width >= 2000 else grey, timeout=timeout)


def _reads_something(grey: Any, language: str) -> bool:
    """Whether tesseract reads a few confident letters on a page that looked blank."""
    from mairie_cli.ocr import tesseract

    words = tesseract.read_words(grey, language, timeout=30)
    letters = sum(sum(ch.isalpha() for ch in w.text) for w in words if w.conf >= 60)
    return letters >= 3


def _read_upright(grey: Any, language: str, timeout: float) -> tuple[list[Any], Any, float]:
    """Deskew, despeckle if needed, read: the words, their triage and the skew corrected."""
    from mairie_cli.ocr import imageops, tesseract, triage

    skew = imageops.skew_angle(grey)
    if abs(skew) >= MIN_SKEW:
        grey = imageops.rotate(grey, skew)
    # Tesseract is handed the written part of the page only (its margins cost a fifth of its
    # time); the boxes it gives are put back in the page's frame.
    left, top, right, bottom = imageops.reading_box(grey)
    found = tesseract.read_words(
        imageops.despeckle(grey.crop((left, top, right, bottom))), language, timeout=timeout
    )
    words = [replace(w, left=w.left + left, top=w.top + top) for w in found] if left or top else found
    return words, triage.classify([(w.text, w.conf) for w in words]), skew


def _handwriting(
    page: Any, verdict: Any, task: dict[str, Any], timeout: float
) -> tuple[list[Any], Any, int] | None:
    """The handwriting engine's reading of a page triaged handwritten, or of a page tesseract
    read with little confidence when the handwriting engine reads it measurably better, and
    how far it turned the page to read it (degrees, clockwise); None to keep tesseract's
    reading (or when the engine is not installed)."""
    from mairie_cli.ocr import handwriting, triage

    choice = task.get("engine_choice", "auto")  # « tesseract » or « handwriting » force one (evaluation)
    unsure = verdict.outcome == triage.TYPED and triage.unsure(verdict) and choice == "auto"
    wanted = verdict.outcome == triage.HANDWRITTEN or unsure or choice == "handwriting"
    if choice == "tesseract" or not wanted:
        return None
    if not handwriting.available():
        return None
    engine = handwriting.HandwritingEngine(int(task.get("threads", 1)))
    words = engine.read(page, timeout)
    if not words:
        return None
    second = triage.classify([(w.text, w.conf) for w in words])
    if unsure and not triage.better_reading(second, verdict):
        return None
    return words, second, engine.turned_by


def _line_groups(words: list[Any]) -> list[list[Any]]:
    """The words of each line, lines in reading order.

    Tesseract may file a short line standing apart (a signature after a gap) with the block
    below it: on a page in one column, lines are put in the order of their position on the
    page; a page where two lines sit side by side (columns, a table) keeps tesseract's order.
    """
    grouped: dict[tuple[int, int, int], list[Any]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    return _in_position_order(list(grouped.values()))


def _in_position_order(lines: list[list[Any]]) -> list[list[Any]]:
    """A page's lines (their words), in the order of their position on the page when it is in
    one column; as they are when two lines sit side by side (columns, a table)."""
    groups = [(members, _box(members)) for members in lines]
    if _one_column([box for _, box in groups]):
        groups.sort(key=lambda group: (group[1][1] + group[1][3]) / 2)
    return [members for members, _ in groups]


def _box(members: list[Any]) -> list[int]:
    return [
        min(w.left for w in members), min(w.top for w in members),
        max(w.left + w.width for w in members), max(w.top + w.height for w in members),
    ]  # fmt: skip


def _line(members: list[Any]) -> list[Any]:
    """A line as a page keeps it: its text and its box."""
    return [" ".join(w.text for w in members), _box(members)]


def _one_column(boxes: list[list[int]]) -> bool:
    """No two lines side by side: none shares the height of another while apart from it."""
    ordered = sorted(boxes, key=lambda box: box[1])
    for index, box in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other[1] >= box[3]:
                break
            overlap = min(box[3], other[3]) - max(box[1], other[1])
            side_by_side = other[0] >= box[2] or box[0] >= other[2]
            if side_by_side and overlap > 0.5 * min(box[3] - box[1], other[3] - other[1]):
                return False
    return True
