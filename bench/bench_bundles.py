"""Benchmarks of signed and encrypted bundles (issue « Paquets signés et chiffrés »).

Printed side by side, in the same run:
- ``mairie exporter --tout`` of N contributions (signing and encryption included) against
  ``sqlite-utils query mairie.db "select * from contributions" --nl > rows.jsonl``
  (target: at most 3×): the first export, which examines every text for personal data, and
  the same export again, which reads what was found (``privacy.findings``);
- ``mairie verifier`` of the parts produced (target: at most the export's time);
- peak memory at N/4 and N contributions (target: flat).

Export and baseline are run ``--passes`` times, alternated, the best of each kept (this 2-core
machine's speed varies by ±20 % from one run to the next).

    python bench/bench_bundles.py [--rows 100000] [--passes 3]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

from common import PY, ROOT, real_texts, row, run, text_source


def build_workspace(folder: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    from mairie_cli.models import Nature, NewContribution
    from mairie_cli.services.commune.register import Register
    from mairie_cli.storage.database import transaction

    rng = random.Random(3)
    text = text_source(rng)
    register, _ = Register.init(folder, "01001")
    with register:
        register.open_cahier("Cahier de doléances")
        entries = (
            NewContribution(
                text=text(i),
                nature=rng.choice(list(Nature)),
                author=f"Auteur {rng.randint(1, 5000)}" if rng.random() < 0.6 else None,
            )  # fmt: skip
            for i in range(rows)
        )
        with transaction(register.db):
            register.add_many(entries, 1)


def build_scanned(folder: Path, pages: int) -> None:
    """A workspace whose contributions each come from their own scanned page (~400 KiB PNG),
    read: the first page by tesseract, its words (boxes) kept for every page (the pages differ
    by their number only) — a page without words would not travel."""
    sys.path.insert(0, str(ROOT))
    from mairie_cli.clock import now_iso
    from mairie_cli.files import copy_durably, sha256_file
    from mairie_cli.models import NewContribution, Source
    from mairie_cli.ocr import tesseract
    from mairie_cli.ocr.worker import read_page
    from mairie_cli.services.commune.register import Register
    from mairie_cli.storage.commune.pages import PageStore
    from mairie_cli.storage.database import transaction
    from testkit.synthetic import degrade, typed_page

    register, _ = Register.init(folder, "01001")
    with register:
        register.open_cahier("Cahier de doléances")
        store = PageStore(register.db)
        scratch = folder / "scratch"
        scratch.mkdir()
        page_ids: list[tuple[int, Path]] = []
        for i in range(pages):
            path = scratch / f"p{i}.png"
            degrade(
                typed_page([f"Page {i} : les services publics ferment."] * 8, dpi=100), noise=8, seed=i
            ).save(path)
            sha = sha256_file(path)
            relative = Path("pages") / sha[:2] / f"{sha}.png"
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            copy_durably(path, folder / relative)
            path.unlink()
            with transaction(register.db):
                size = (folder / relative).stat().st_size
                original = {"sha256": sha, "file_name": path.name, "stored_path": relative.as_posix()}
                store.add_original({**original, "kind": "image", "size": size, "pages": 1}, 1, now_iso())
                page_id = register.db.execute(
                    "SELECT id FROM pages WHERE original_sha256 = ?", [sha]
                ).fetchone()[0]
                register.add_many([NewContribution(text=f"Page {i}", source=Source.OCR, page_id=page_id)], 1)
            page_ids.append((page_id, folder / relative))
        first, path = page_ids[0]
        task = {
            "page_id": first, "path": str(path), "kind": "image", "index": 0, "language": "fra",
            "timeout": 120, "engine_version": tesseract.check("fra"), "threads": 1,
        }  # fmt: skip
        read = read_page(task)
        assert read.get("words"), read
        with transaction(register.db):
            for page_id, _ in page_ids:
                store.save_result(page_id, {**read, "page_id": page_id}, now_iso())


def fresh_start(folder: Path, *, unexamined: bool) -> None:
    """The next export is n° 1 again (its parts and ledger gone); with ``unexamined``, no text
    has been examined for personal data either."""
    for part in (folder / "exports").glob("doleances-*"):
        part.unlink()
    with sqlite3.connect(folder / "mairie.db") as conn:
        conn.execute("DELETE FROM export_state")
        conn.execute("DELETE FROM exports")
        if unexamined:
            conn.execute("DELETE FROM findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=400, help="page images for the --avec-scans run")
    parser.add_argument("--passes", type=int, default=3, help="passes alternated, best time kept")
    args = parser.parse_args()
    corpus = len(real_texts())
    source = f"the {corpus} Grand Débat contributions of ../shared, in turn" if corpus else "synthetic"
    print(f"Texts: {source}\n")
    import pyrage

    sqlite_utils_cli = Path(PY).with_name("sqlite-utils")
    mairie = [PY, "-m", "mairie_cli"]
    row("", "baseline", "mairie", "ratio", "peak RSS")
    with tempfile.TemporaryDirectory(prefix="mairie-bench-") as tmp:
        work = Path(tmp)
        identity = pyrage.x25519.Identity.generate()
        (work / "asso.key").write_text(f"{identity}\n", encoding="utf-8")
        for size in sorted({args.rows // 4, args.rows}):
            folder = work / f"commune-{size}"
            build_workspace(folder, size)
            run([*mairie, "-d", str(folder), "config", "destinataire", str(identity.to_public())])
            db = folder / "mairie.db"
            timings: dict[str, list[tuple[float, int]]] = {"dump": [], "first": [], "again": []}
            for _ in range(args.passes):  # alternated: a slow spell of the machine hits all three
                timings["dump"].append(
                    run([str(sqlite_utils_cli), "query", str(db), "select * from contributions", "--nl"],
                        stdout=work / "rows.jsonl")
                )  # fmt: skip
                fresh_start(folder, unexamined=True)
                timings["first"].append(run([*mairie, "-d", str(folder), "exporter", "--tout"]))
                fresh_start(folder, unexamined=False)
                timings["again"].append(run([*mairie, "-d", str(folder), "exporter", "--tout"]))
            best = {key: min(t for t, _ in runs) for key, runs in timings.items()}
            rss = {key: max(r for _, r in runs) for key, runs in timings.items()}
            dump, export, again = best["dump"], best["first"], best["again"]
            dump_rss, export_rss = rss["dump"], max(rss["first"], rss["again"])
            parts = sorted((folder / "exports").glob("doleances-*.zip.age"))
            verify, verify_rss = run(
                [
                    *mairie,
                    "-d",
                    str(folder),
                    "verifier",
                    *map(str, parts),
                    "--identite",
                    str(work / "asso.key"),
                ]
            )
            megabytes = sum(p.stat().st_size for p in parts) / 1024**2
            row(f"{size} rows: sqlite-utils / exporter, new texts", f"{dump:.2f} s", f"{export:.2f} s",
                f"{export / dump:.2f}× (≤3)", f"{dump_rss}/{export_rss} MiB")  # fmt: skip
            row(f"{size} rows: sqlite-utils / exporter, texts examined", f"{dump:.2f} s", f"{again:.2f} s",
                f"{again / dump:.2f}× (≤3)", "")  # fmt: skip
            label = f"{size} rows: mairie verifier ({len(parts)} parts, {megabytes:.1f} MiB)"
            row(
                label,
                f"{export:.2f} s",
                f"{verify:.2f} s",
                f"{verify / export:.2f}× (≤1)",
                f"{verify_rss} MiB",
            )
        for count in sorted({args.scans // 4, args.scans} - {0}):  # --scans 0: no scanned pages
            folder = work / f"scans-{count}"
            build_scanned(folder, count)
            run([*mairie, "-d", str(folder), "config", "destinataire", str(identity.to_public())])
            seconds, rss = run([*mairie, "-d", str(folder), "exporter", "--tout", "--avec-scans"])
            parts = sorted((folder / "exports").glob("doleances-*.zip.age"))
            megabytes = sum(p.stat().st_size for p in parts) / 1024**2
            label = f"{count} page images: mairie exporter --avec-scans (masked)"
            row(label, "", f"{seconds:.2f} s", f" {len(parts)} parts, {megabytes:.0f} MiB", f"{rss} MiB")


if __name__ == "__main__":
    main()
