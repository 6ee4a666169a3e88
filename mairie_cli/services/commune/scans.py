"""The scanned pages that travel with an export: which original each entry comes from, and the
copy of each page with personal data blacked out."""

from __future__ import annotations

from pathlib import Path

from mairie_cli.bundle.format import MASKED_SCANS, SCANS
from mairie_cli.ocr.handwriting import NAME as HANDWRITING_ENGINE
from mairie_cli.privacy.masking import Choices
from mairie_cli.services.commune.register import Register
from mairie_cli.storage.commune.pages import PageStore

#: A scanned original: its name in a bundle, its page number, where the commune keeps it.
Scan = tuple[str, int, Path]


class ScanIndex:
    """Which scanned original (file name in a bundle, page number, stored path) a page is."""

    def __init__(self, root: Path, store: PageStore) -> None:
        """``root``: the workspace's folder; ``store``: its pages."""
        self.root = root
        self.store = store
        self._known: dict[int, Scan] = {}

    def of(self, page_id: int | None) -> Scan | None:
        if page_id is None:
            return None
        if page_id not in self._known:
            page = self.store.page(page_id)
            if page is None:
                return None
            stored = self.root / page["stored_path"]
            self._known[page_id] = (f"{SCANS}{stored.name}", page["index"] + 1, stored)
        return self._known[page_id]


class PageMasker:
    """The copy of each scanned page that leaves the commune: personal data blacked out.

    Made once per page, named after the original and the page number
    (``pages-masquees/<sha256>-<page>.png``), so that a record names its page the same way
    whether or not the scans travel.
    """

    def __init__(self, register: Register, folder: Path, choices: Choices, with_handwritten: bool) -> None:
        self.store = register.pages
        self.folder = folder / MASKED_SCANS.rstrip("/")
        self.folder.mkdir()
        self.detector = choices.detector()
        self.with_handwritten = with_handwritten
        self.left_out = 0
        self._done: dict[int, tuple[str, Path] | None] = {}

    def image(self, page_id: int | None, scan: Scan) -> tuple[str, Path] | None:
        """The masked copy of a page, made once (``None`` when it must not travel)."""
        from mairie_cli.ocr.masking import masked_png
        from mairie_cli.privacy.pages import words_to_mask

        if page_id is None:
            return None
        if page_id in self._done:
            return self._done[page_id]
        page = self.store.page(page_id)
        texts, typed_by_hand = self.store.texts_of(page_id)
        result: tuple[str, Path] | None
        if page is None or not page["words"] or typed_by_hand:
            result = (scan[0], scan[2]) if self.with_handwritten else None
            self.left_out += result is None
        else:
            # A handwriting engine misreads names (« Duvig neau »): its words are matched loosely.
            loose = str(page.get("engine") or "").startswith(HANDWRITING_ENGINE)
            found = words_to_mask(page["words"], texts, self.detector, loose=loose)
            boxes = [page["words"][i][2:6] for i in found]
            png = masked_png(scan[2], page["kind"], page["index"], page["params"], boxes)
            name = f"{MASKED_SCANS}{page['sha256']}-{page['index'] + 1}.png"
            path = self.folder / name.rsplit("/", 1)[1]
            path.write_bytes(png)
            result = (name, path)
        self._done[page_id] = result
        return result
