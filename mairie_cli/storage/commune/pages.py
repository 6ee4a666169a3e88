"""All SQL about scanned originals and their pages."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

_PAGE_COLUMNS = (
    "p.id, p.original_sha256, p.page_index, p.cahier_id, p.status, p.error, o.file_name, "
    "o.stored_path, o.kind, p.mean_confidence, p.words, p.text, p.width, p.height, p.params, p.engine"
)


class PageStore:
    """Originals (files kept byte for byte) and their pages."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def original(self, sha256: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT sha256, file_name, stored_path, kind, pages FROM originals WHERE sha256 = ?", [sha256]
        ).fetchone()
        keys = ("sha256", "file_name", "stored_path", "kind", "pages")
        return dict(zip(keys, row, strict=True)) if row else None

    def add_original(self, row: dict[str, Any], cahier_id: int, now: str) -> None:
        """Record an original and one page row per page, all « à lire »."""
        self.db.execute(
            "INSERT INTO originals (sha256, file_name, stored_path, kind, size, pages, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                row["sha256"],
                row["file_name"],
                row["stored_path"],
                row["kind"],
                row["size"],
                row["pages"],
                now,
            ],
        )
        self.db.conn.executemany(
            "INSERT INTO pages (original_sha256, page_index, cahier_id, status, created_at, updated_at) "
            "VALUES (?, ?, ?, 'a_lire', ?, ?)",
            ((row["sha256"], index, cahier_id, now, now) for index in range(row["pages"])),
        )

    def to_read(self, sha256s: Iterable[str]) -> list[dict[str, Any]]:
        """Pages still to read (never read, or failed last time) of these originals."""
        wanted = list(sha256s)
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages p JOIN originals o ON o.sha256 = p.original_sha256 "
            f"WHERE p.original_sha256 IN ({marks}) AND p.status IN ('a_lire', 'echec') "
            "ORDER BY p.id",
            wanted,
        ).fetchall()
        return [_page(r) for r in rows]

    def save_result(self, page_id: int, result: dict[str, Any], now: str) -> None:
        params = result.get("params")
        self.db.execute(
            "UPDATE pages SET status = ?, error = ?, engine = ?, model = ?, params = ?, width = ?, "
            "height = ?, dpi = ?, ink_ratio = ?, mean_confidence = ?, french_share = ?, words = ?, "
            "text = ?, seconds = ?, updated_at = ? WHERE id = ?",
            [
                result["status"], result.get("error"), result.get("engine"), result.get("model"),
                json.dumps(params) if params else None, result.get("width"), result.get("height"),
                result.get("dpi"), result.get("ink_ratio"), result.get("mean_confidence"),
                result.get("french_share"), json.dumps(result.get("words") or [], ensure_ascii=False),
                result.get("text"), result.get("seconds"), now, page_id,
            ],
        )  # fmt: skip

    def set_status(self, page_id: int, status: str, now: str) -> None:
        self.db.execute("UPDATE pages SET status = ?, updated_at = ? WHERE id = ?", [status, now, page_id])

    def page(self, page_id: int) -> dict[str, Any] | None:
        row = self.db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages p JOIN originals o ON o.sha256 = p.original_sha256 "
            "WHERE p.id = ?",
            [page_id],
        ).fetchone()
        return _page(row) if row else None

    def previous_page(self, page_id: int) -> int | None:
        """The page scanned just before this one in the same cahier, if any."""
        row = self.db.execute(
            "SELECT id FROM pages WHERE cahier_id = (SELECT cahier_id FROM pages WHERE id = ?) AND id < ? "
            "ORDER BY id DESC LIMIT 1",
            [page_id, page_id],
        ).fetchone()
        return int(row[0]) if row else None

    def texts_of_cahier(self, cahier_id: int) -> list[str]:
        """The OCR text of every page of a cahier read so far."""
        rows = self.db.execute(
            "SELECT text FROM pages WHERE cahier_id = ? AND text IS NOT NULL ORDER BY id", [cahier_id]
        )
        return [str(row[0]) for row in rows]

    def blank_pages(self, cahier_id: int | None = None) -> list[dict[str, Any]]:
        """Pages found blank, in scanning order (for a second look)."""
        clause = "AND p.cahier_id = ?" if cahier_id is not None else ""
        rows = self.db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages p JOIN originals o ON o.sha256 = p.original_sha256 "
            f"WHERE p.status = 'vide' {clause} ORDER BY p.id",
            [cahier_id] if cahier_id is not None else [],
        ).fetchall()
        return [_page(r) for r in rows]

    def pages_to_proofread(self, cahier_id: int | None = None) -> list[dict[str, Any]]:
        """Pages with drafts to proofread or handwriting to type, in scanning order."""
        clause = "AND p.cahier_id = ?" if cahier_id is not None else ""
        rows = self.db.execute(
            f"SELECT {_PAGE_COLUMNS} FROM pages p JOIN originals o ON o.sha256 = p.original_sha256 "
            "WHERE (p.status = 'manuscrit' OR EXISTS (SELECT 1 FROM contributions c WHERE "
            "c.page_id = p.id AND c.status = 'brouillon' AND c.deleted_at IS NULL)) "
            f"{clause} ORDER BY p.id",
            [cahier_id] if cahier_id is not None else [],
        ).fetchall()
        return [_page(r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status").fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def handwritten_read(self) -> int:
        """Handwritten pages read automatically whose drafts wait for proofreading."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM pages p WHERE p.status = 'manuscrit' AND EXISTS (SELECT 1 FROM "
                "contributions c WHERE c.page_id = p.id AND c.status = 'brouillon' AND c.deleted_at IS NULL)"
            ).fetchone()[0]
        )

    def texts_of(self, page_id: int) -> tuple[list[str], bool]:
        """Texts of the live contributions from a page, and whether one was typed by hand from it
        (its handwriting could not be read: OCR drafts have the source « ocr »)."""
        rows = self.db.execute(
            "SELECT text, source FROM contributions WHERE page_id = ? AND deleted_at IS NULL", [page_id]
        ).fetchall()
        return [str(r[0]) for r in rows], any(r[1] != "ocr" for r in rows)


def _page(row: tuple[Any, ...]) -> dict[str, Any]:
    keys = ("id", "sha256", "index", "cahier_id", "status", "error", "file_name", "stored_path",
            "kind", "mean_confidence", "words", "text", "width", "height", "params", "engine")  # fmt: skip
    page = dict(zip(keys, row, strict=True))
    page["words"] = json.loads(page["words"]) if page["words"] else []
    page["params"] = json.loads(page["params"]) if page["params"] else {}
    return page
