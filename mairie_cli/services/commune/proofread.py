"""Proofreading OCR drafts and transcribing handwritten pages (``mairie relire``).

Every action is an ordinary, journaled change of the register: accepting a draft gives it the
status « relue » (it can then be exported), editing it does the same with the new text,
merging keeps the first draft and deletes the second, splitting creates a new contribution
right after the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_cli.clock import now_iso
from mairie_cli.dates import parse_iso
from mairie_cli.errors import InvalidValue
from mairie_cli.models import Contribution, EntryStatus, NewContribution, PageStatus
from mairie_cli.ocr import marks
from mairie_cli.services.commune.register import Register
from mairie_cli.storage.database import transaction

#: Words read with less confidence than this are highlighted for the proofreader.
LOW_CONFIDENCE = 70.0


@dataclass(frozen=True)
class PageToProofread:
    """A page with drafts to check, or handwriting to type."""

    id: int
    file_name: str
    index: int  # 1-based page number within its file
    status: str
    image: Path
    cahier_id: int

    @property
    def handwritten(self) -> bool:
        return self.status == PageStatus.HANDWRITTEN

    @property
    def blank(self) -> bool:
        return self.status == PageStatus.BLANK


def pages(register: Register, cahier_id: int | None = None, *, blank: bool = False) -> list[PageToProofread]:
    """Pages waiting for proofreading, in scanning order (with ``blank``: the pages found blank,
    for a second look)."""
    found = register.pages.blank_pages(cahier_id) if blank else register.pages.pages_to_proofread(cahier_id)
    return [
        PageToProofread(
            p["id"],
            p["file_name"],
            p["index"] + 1,
            p["status"],
            register.workspace.root / p["stored_path"],
            p["cahier_id"],
        )  # fmt: skip
        for p in found
    ]


def picture(register: Register, page: PageToProofread) -> Path:
    """The image to show beside a page: the scan itself when it is one image read as scanned;
    else the page alone, upright as it was read (a page of a PDF or a multi-page TIFF, a page
    scanned upside down or sideways), written once into the computer's temporary folder."""
    stored = register.pages.page(page.id)
    if stored is None:
        return page.image
    params = stored["params"] or {}
    rotation = int(params.get("rotation") or 0)
    if stored["kind"] == "image" and stored["index"] == 0 and not rotation:
        return page.image
    import tempfile

    from mairie_cli.ocr.masking import masked_png

    # Named after what it shows: a page read again, turned or deskewed otherwise, is drawn anew.
    skew = float(params.get("skew") or 0.0)
    name = f"{stored['sha256']}-{page.index}-{rotation}-{skew:+.2f}.png"
    target = Path(tempfile.gettempdir()) / "mairie-relire" / name
    if not target.is_file():
        try:
            png = masked_png(page.image, stored["kind"], stored["index"], params, [])
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".tmp")
            partial.write_bytes(png)
            partial.replace(target)  # never a half-written image under the name
        except (OSError, ValueError, RuntimeError):  # no room, no image, a damaged file: the scan
            return page.image
    return target


def drafts(register: Register, page_id: int) -> list[Contribution]:
    """The drafts of a page still to proofread, in order."""
    return [
        c
        for c in register.contributions(source=None)
        if c.page_id == page_id and c.status == EntryStatus.DRAFT
    ]


def doubtful_words(register: Register, draft: Contribution) -> list[tuple[str, bool]]:
    """The draft's words as read, each with whether it is highlighted for the proofreader (see
    ``doubtful``); empty once the draft is edited."""
    if draft.version > 1 or not draft.region or draft.page_id is None:
        return []
    page = register.pages.page(draft.page_id)
    if page is None:
        return []
    lines: dict[tuple[int, ...], list[list[Any]]] = {}
    for word in page["words"]:
        if not marks.is_mark(word):  # a stamp or a margin number: in no draft
            lines.setdefault(tuple(word[6]), []).append(word)
    first, last = draft.region["lines"]
    return [doubtful(word) for line in list(lines.values())[first : last + 1] for word in line]


def doubtful(word: Sequence[Any]) -> tuple[str, bool]:
    """A word as a page keeps it (``ocr.engines.Word.to_list``), and whether to check it: read
    with little confidence or, read by the handwriting engine, not made of French words. That
    engine steers each line towards the words of its French list, so a word it still could not
    make one of is most likely misread. Measured on the real handwritten testaments and letters:
    the confidence alone flags 34 % of the misread words and 27 % of the right ones; with the
    words not French, 47 % and 27 %."""
    french = word[7] if len(word) > 7 else None  # None: read by tesseract, or kept before
    return str(word[0]), float(word[1]) < LOW_CONFIDENCE or french is False


def accept(register: Register, draft: Contribution) -> Contribution:
    """The draft is right as it is."""
    return register.correct(draft.uuid, status=EntryStatus.PROOFREAD) or register.get(draft.uuid)


def edit(register: Register, draft: Contribution, text: str) -> Contribution:
    """Replace the draft's text; it is then proofread."""
    return register.correct(draft.uuid, text=text, status=EntryStatus.PROOFREAD) or register.get(draft.uuid)


def merge_with_previous(register: Register, draft: Contribution, previous: Contribution) -> Contribution:
    """Append the draft to the previous one of the same page (one entry cut in two)."""
    if previous.page_id != draft.page_id or previous.deleted:
        raise InvalidValue("Seul un brouillon de la même page peut être fusionné avec le précédent.")
    region = _union(previous.region, draft.region)
    merged = register.correct(previous.uuid, text=f"{previous.text}\n{draft.text}", region=region)
    register.delete(draft.uuid)
    return merged or register.get(previous.uuid)


def join_previous_page(register: Register, draft: Contribution) -> Contribution:
    """Append a draft to the last contribution of the page scanned before its own (an entry that
    goes on over the page); the draft is then deleted."""
    previous = register.pages.previous_page(draft.page_id) if draft.page_id is not None else None
    last = register.last_of_page(previous) if previous is not None else None
    if last is None:
        raise InvalidValue("La page précédente n'a aucune contribution à laquelle joindre ce brouillon.")
    # As « merge_with_previous »: the text joined first, so that an interruption loses nothing.
    # The signature is often on the second page: what the first part lacks is taken from it.
    joined = register.correct(
        last.uuid, text=f"{last.text}\n{draft.text}", author=last.author or draft.author,
        written_on=parse_iso(last.written_on or draft.written_on),
    ) or last  # fmt: skip
    register.delete(draft.uuid)
    return joined


def split(register: Register, draft: Contribution, before_line: int) -> tuple[Contribution, Contribution]:
    """Cut a draft in two before its line ``before_line`` (1-based, the second line or later)."""
    lines = draft.text.split("\n")
    if not 2 <= before_line <= len(lines):
        raise InvalidValue(f"Indiquez une ligne entre 2 et {len(lines)} pour couper ce brouillon.")
    first_text = "\n".join(lines[: before_line - 1])
    second_text = "\n".join(lines[before_line - 1 :])
    first_region, second_region = _split_region(draft.region, before_line - 1)
    with transaction(register.db):
        batch = register.prepare(
            [_like(draft, second_text, second_region)], draft.cahier_id, draft.position, now_iso()
        )
        register.write(batch)
    first = register.correct(draft.uuid, text=first_text, region=first_region) or register.get(draft.uuid)
    return first, register.get(batch.uuids[0])


def discard_drafts(register: Register, page_id: int) -> int:
    """Delete the drafts left on a page (its automatic reading is discarded: it will be typed)."""
    left = drafts(register, page_id)
    for draft in left:
        register.delete(draft.uuid)
    return len(left)


def finish_page(register: Register, page_id: int) -> None:
    """A handwritten page is fully typed."""
    with transaction(register.db):
        register.pages.set_status(page_id, PageStatus.PROOFREAD.value, now_iso())
        register.record_event("transcribed", "page", str(page_id))


def _like(draft: Contribution, text: str, region: dict[str, Any] | None) -> NewContribution:
    return NewContribution(
        text=text, nature=draft.nature, source=draft.source, page_id=draft.page_id,
        status=EntryStatus.DRAFT, region=region,
    )  # fmt: skip


def _union(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    if not a or not b:
        return a or b
    boxes = [box for box in (a.get("box"), b.get("box")) if box]
    box = (
        [
            min(x[0] for x in boxes),
            min(x[1] for x in boxes),
            max(x[2] for x in boxes),
            max(x[3] for x in boxes),
        ]
        if boxes
        else None
    )
    return {"box": box, "lines": [min(a["lines"][0], b["lines"][0]), max(a["lines"][1], b["lines"][1])]}


def _split_region(
    region: dict[str, Any] | None, offset: int
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if not region:
        return None, None
    first, last = region["lines"]
    # The box is no longer exact for either half; keep the page's lines, drop the box.
    return {"box": None, "lines": [first, first + offset - 1]}, {"box": None, "lines": [first + offset, last]}
