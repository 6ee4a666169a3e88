"""Batch OCR of scanned pages into draft contributions.

Every original is first copied byte for byte into the workspace under its SHA-256, so the
same page given twice is recognised, and each page's result is committed as soon as it
arrives: an interrupted batch resumes where it stopped. Pages are read by one worker
process per core (tesseract itself single-threaded); a bad page is reported, never fatal.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mairie_cli.clock import now_iso
from mairie_cli.errors import MairieError, ScanUnreadable
from mairie_cli.files import copy_durably, sha256_file
from mairie_cli.models import EntryStatus, NewContribution, PageStatus, Source
from mairie_cli.ocr import fields, segment, sources, tesseract, triage
from mairie_cli.ocr.worker import read_page, warm_up
from mairie_cli.services.commune.register import Register
from mairie_cli.services.commune.rows import MAX_PAGE_NUMBER
from mairie_cli.storage.commune.pages import PageStore
from mairie_cli.storage.database import transaction

DEFAULT_TIMEOUT = 120.0

#: progress(pages done, pages to do, last outcome)
Progress = Callable[[int, int, "PageOutcome"], None]


@dataclass
class PageOutcome:
    """What became of one page."""

    file: str
    page: int  # 1-based, as a person counts
    status: str
    drafts: int = 0
    error: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class OcrReport:
    """The summary of a batch."""

    pages: list[PageOutcome] = field(default_factory=list)
    skipped: int = 0  # pages already read in an earlier batch
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # whole files refused
    engine: str = ""

    def count(self, status: str) -> int:
        return sum(1 for p in self.pages if p.status == status)

    @property
    def failed(self) -> list[PageOutcome]:
        return [p for p in self.pages if p.status == PageStatus.FAILED]

    @property
    def complete(self) -> bool:
        return not self.failed and not self.unreadable

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "read": len(self.pages),
            "typed": self.count(triage.TYPED),
            "handwritten": self.count(triage.HANDWRITTEN),
            "blank": self.count(triage.BLANK),
            "skipped": self.skipped,
            "failed": [p.to_dict() for p in self.failed],
            "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
            "drafts": sum(p.drafts for p in self.pages),
            "pages": [p.to_dict() for p in self.pages],
        }


def scan_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: those given, and the scans found in the folders given (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in sources.SUFFIXES
                )  # fmt: skip
            )
        else:
            found.append(path)
    return found


def run_ocr(
    register: Register,
    paths: list[Path] | None = None,
    *,
    cahier_id: int | None = None,
    jobs: int | None = None,
    language: str = "fra",
    timeout: float = DEFAULT_TIMEOUT,
    progress: Progress | None = None,
) -> OcrReport:
    """OCR the given scans (default: the workspace's ``scans/``) into draft contributions."""
    engine = tesseract.check(language)
    cahier = register.cahier(cahier_id)
    store = register.pages
    report = OcrReport(engine=f"tesseract {engine}")
    files = scan_files(paths or [register.workspace.scans_dir])
    # The workers start (and import what they need) while this process copies the originals.
    workers = _workers(jobs, files)
    pool = _start_pool(workers)
    # The handwriting engine's own threads share the cores with the other workers.
    threads = max(1, (os.cpu_count() or 1) // workers)
    try:
        originals: list[str] = []
        for path in files:
            try:
                sha = _store_original(register, store, path, cahier.id)
            except MairieError as exc:
                report.unreadable.append((path.name, exc.message))
                continue
            originals.append(sha)
        tasks = store.to_read(originals)
        total_pages = sum((store.original(sha) or {"pages": 0})["pages"] for sha in set(originals))
        report.skipped = total_pages - len(tasks)
        work = [
            {
                "page_id": t["id"], "path": str(register.workspace.root / t["stored_path"]),
                "kind": t["kind"], "index": t["index"], "language": language, "timeout": timeout,
                "engine_version": engine, "threads": threads,
            }
            for t in tasks
        ]  # fmt: skip
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    names = {t["id"]: (t["file_name"], t["index"] + 1) for t in tasks}
    # Lines met at the top or bottom of the cahier's pages: a line met again there is a running
    # header or footer, never a contribution.
    margins = _Margins(store.texts_of_cahier(cahier.id))
    for done, result in enumerate(_map(work, pool), start=1):
        outcome = _save(register, store, result, cahier.id, names[result["page_id"]], margins)
        report.pages.append(outcome)
        if progress:
            progress(done, len(work), outcome)
    report.pages.sort(key=lambda p: (p.file, p.page))
    return report


def _store_original(register: Register, store: PageStore, path: Path, cahier_id: int) -> str:
    if not path.is_file():
        raise ScanUnreadable(f"« {path} » n'existe pas.")
    sha = sha256_file(path)
    if store.original(sha) is not None:
        return sha
    scan = sources.inspect(path)
    relative = Path("pages") / sha[:2] / f"{sha}{path.suffix.lower() or '.bin'}"
    target = register.workspace.root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_durably(path, target)  # the original, byte for byte, never touched again
    with transaction(register.db):
        store.add_original(
            {"sha256": sha, "file_name": path.name, "stored_path": relative.as_posix(),
             "kind": scan.kind, "size": path.stat().st_size, "pages": scan.pages},
            cahier_id, now_iso(),
        )  # fmt: skip
    return sha


def _workers(jobs: int | None, files: list[Path]) -> int:
    """Worker processes: one per core (or ``jobs``), one for a single image."""
    single_page = len(files) == 1 and files[0].suffix.lower() not in (".pdf", ".tif", ".tiff")
    return 1 if single_page or not files else max(1, jobs or os.cpu_count() or 1)


def _start_pool(workers: int) -> ProcessPoolExecutor | None:
    """The worker processes, started at once (None for a single one)."""
    if workers == 1:
        return None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):
        pool.submit(warm_up)
    return pool


def _map(work: list[dict[str, Any]], pool: ProcessPoolExecutor | None) -> Iterable[dict[str, Any]]:
    """Results as pages finish, from the worker processes (in this process without any)."""
    if pool is None or len(work) <= 1:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        for task in work:
            yield read_page(task)
        return
    with pool:
        futures = [pool.submit(read_page, task) for task in work]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise


class _Margins:
    """The top and bottom lines of the pages read so far, as ``segment.margin_key`` gives them."""

    def __init__(self, texts: list[str]) -> None:
        self.seen: set[str] = set()
        for text in texts:
            self.note([segment.Line(line) for line in text.split("\n")])

    def note(self, lines: list[segment.Line]) -> None:
        edge = segment.MARGIN_LINES
        for line in [*lines[:edge], *lines[-edge:]]:
            key = segment.margin_key(line.text)
            # Long enough to be a heading, not a date line (« Le 12/12/2018 » repeats too).
            if len(key) >= 12 and fields.find_date(line.text)[0] is None:
                self.seen.add(key)


def _save(
    register: Register, store: PageStore, result: dict[str, Any], cahier_id: int, name: tuple[str, int],
    margins: _Margins,
) -> PageOutcome:  # fmt: skip
    """Commit one page's result and its drafts together: each draft a structured contribution
    (date, author, nature, the cahier's page number), running headers and page numbers left out."""
    status = result["status"]
    lines = [segment.Line(text, tuple(box) if box else None) for text, box in result.get("lines", [])]
    result["text"] = "\n".join(line.text for line in lines) if lines else None
    read_by_hand_engine = status == triage.HANDWRITTEN and bool(result.get("words"))
    entries = (
        _entries(lines, margins, result["page_id"], name[1], handwritten=read_by_hand_engine)
        if status == triage.TYPED or read_by_hand_engine
        else []
    )
    now = now_iso()
    with transaction(register.db):
        store.save_result(result["page_id"], result, now)
        if entries:
            register.add_many(entries, cahier_id, at=now)
    return PageOutcome(name[0], name[1], status, len(entries), result.get("error"), result.get("seconds"))


def _entries(
    lines: list[segment.Line], margins: _Margins, page_id: int, index: int, *, handwritten: bool = False
) -> list[NewContribution]:
    skip, written_number = segment.margins(lines, margins.seen)
    margins.note(lines)
    page_number = written_number if written_number and written_number <= MAX_PAGE_NUMBER else index
    entries = []
    for draft in segment.split(lines, skip):
        found = fields.structure([line.text for line in draft.lines])
        if not found.text.strip():
            continue
        region = {
            "box": list(draft.box) if draft.box else None, "lines": [draft.first, draft.last],
            "cue": found.cue, "removed": [draft.first + i for i in found.removed],
            **({"manuscrit": True} if handwritten else {}),
        }  # fmt: skip
        entries.append(
            NewContribution(
                text=found.text,
                nature=found.nature,
                written_on=found.written_on,
                author=found.author,
                page_number=page_number,
                source=Source.OCR,
                page_id=page_id,
                status=EntryStatus.DRAFT,
                region=region,
            )  # fmt: skip
        )
    return entries
