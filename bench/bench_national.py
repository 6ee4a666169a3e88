"""Benchmark of the national level (issue « Échelon national »).

D departments × C communes × R contributions (by default 100 × 150 × 70, about a million):
each department's association holds its merged contributions (written straight into its
database, each record hashed as its commune would have signed it) and exports them with
``mairie asso exporter`` (signed, encrypted, in 10 MiB parts). Printed side by side, in the
same run:
- ``mairie national recevoir`` of every department bundle, first reception, against
  ``sqlite-utils insert … --nl`` of the same lines (target: at most 3×), peak memory;
- the same files again (target: at most 0.1× the first reception);
- ``mairie national synthese`` against openpyxl write-only writing the same aggregate rows and
  the csv module writing the same CSV rows (target: at most 2×), peak memory; passes
  alternated, the best of each kept. The themes are worked out at reception (its cost is in
  the first figure); a synthesis with another taxonomy file classifies every text again: that
  one is printed too, against the same reference.

    python bench/bench_national.py [--departements 100] [--communes 150] [--rows 70] [--passes 3]
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import sys
import tempfile
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import PY, ROOT, real_texts, row, run, text_source

sys.path.insert(0, str(ROOT))

STAMP = "2019-01-20T10:00:00+00:00"


def build_department(args: tuple[Path, str, int, int, str, Path]) -> tuple[Path, int]:
    """One association holding ``communes`` × ``rows`` merged contributions, exported once;
    returns its public key file and how many lines it sent."""
    root, department, communes, rows, recipient, outbox = args
    from mairie_cli.bundle.department import commune_record, department_record
    from mairie_cli.bundle.records import canonical_json, record_digest
    from mairie_cli.services.association.export import export_department
    from mairie_cli.services.association.workspace import Association
    from mairie_cli.storage.database import transaction

    rng = random.Random(department)
    text = text_source(rng)
    association, _ = Association.init(root / f"asso-{department}", department)
    width = 5 - len(department)
    lines = root / f"lignes-{department}.jsonl"
    with association, lines.open("w", encoding="utf-8") as out:
        with transaction(association.db):
            for n in range(1, communes + 1):
                insee = f"{department}{n:0{width}d}"
                association.store.note_commune(insee, f"Commune {insee}")
                association.store.insert_sequence({
                    "insee": insee, "sequence": 1, "parts": 1, "previous_digest": "aucun", "state": "{}",
                    "full": 1, "key_id": "0000000000000000", "first_received_at": STAMP,
                })  # fmt: skip
                association.store.set_sequence_digest(insee, 1, "sha256:" + "0" * 64)
                batch = []
                for position in range(1, rows + 1):
                    merged = {
                        "insee": insee, "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "version": 1, "digest": "", "cahier_id": 1, "position": position,
                        "page_number": None, "written_on": "2019-01-15", "nature": "doleance",
                        "text": text(n * rows + position), "author": None, "source": "saisie",
                        "scan_file": None, "scan_page": None, "created_at": STAMP, "updated_at": STAMP,
                        "deleted_at": None, "sequence": 1, "note": None,
                    }  # fmt: skip
                    merged["digest"] = record_digest(commune_record(merged))
                    batch.append(merged)
                    out.write(canonical_json(department_record(merged)) + "\n")
                association.store.upsert_contributions(batch)
        association.set_national_recipients([recipient])
        export_department(association, destination=outbox)
    return outbox / f"association-{department}.pub", communes * rows


def baseline_synthesis(csv_rows: Path, target: Path, aggregate_rows: int) -> None:
    """openpyxl write-only writing as many aggregate rows as the workbook, and the csv module
    writing the same CSV rows (read back from the national CSV)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Agrégats")
    for number in range(aggregate_rows):
        sheet.append([f"ligne {number}", number, number * 2, "texte"])
    book.save(target.with_suffix(".xlsx"))
    with (
        csv_rows.open(encoding="utf-8", newline="") as source,
        target.with_suffix(".csv").open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, delimiter=";")
        for values in csv.reader(source, delimiter=";"):
            writer.writerow(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--departements", type=int, default=100)
    parser.add_argument("--communes", type=int, default=150)
    parser.add_argument("--rows", type=int, default=70)
    parser.add_argument("--passes", type=int, default=3, help="synthesis passes alternated, best kept")
    options = parser.parse_args()
    from mairie_cli import communes as official
    from mairie_cli.services.national.workspace import National

    mairie = str(Path(PY).with_name("mairie"))
    sqlite_utils = str(Path(PY).with_name("sqlite-utils"))
    departments = official.departments()[: options.departements]
    source = "textes du Grand Débat (../shared)" if real_texts() else "textes synthétiques"
    with tempfile.TemporaryDirectory(prefix="bench-national-") as work:
        root = Path(work)
        outbox = root / "cle-usb"
        outbox.mkdir()
        national, _ = National.init(root / "national")
        with national:
            recipient = national.recipient()
        jobs = [
            (root, d, min(options.communes, 99 if len(d) == 3 else 999), options.rows, recipient, outbox)
            for d in departments
        ]
        with ProcessPoolExecutor() as pool:
            built = list(pool.map(build_department, jobs))
        total = sum(count for _, count in built)
        with National.open(root / "national") as national:
            for key, _ in built:
                national.trust(key.stem.removeprefix("association-"), key)
        size = sum(p.stat().st_size for p in outbox.glob("*.age")) / 1024**2
        print(
            f"Échelon national : {len(departments)} départements, {total} contributions ({source}), "
            f"{len(list(outbox.glob('*.age')))} fichiers chiffrés, {size:.0f} Mio"
        )
        lines = root / "lignes.jsonl"
        with lines.open("w", encoding="utf-8") as out:
            for part in sorted(root.glob("lignes-*.jsonl")):
                out.write(part.read_text(encoding="utf-8"))
        base = str(root / "national")
        first, first_rss = run([mairie, "-d", base, "national", "recevoir", str(outbox), "--json"])
        with sqlite3.connect(root / "national" / "national.db") as conn:
            held = conn.execute("SELECT count(*) FROM contributions").fetchone()[0]
        assert held == total, (held, total)
        baseline, baseline_rss = run(
            [sqlite_utils, "insert", str(root / "ref.db"), "contributions", str(lines), "--nl"]
        )
        again, again_rss = run([mairie, "-d", base, "national", "recevoir", str(outbox), "--json"])
        # Passes alternated, the best of each kept: this 2-core machine's speed varies by ±20 %
        # from one minute to the next, and a slow spell then hits both.
        made, references = [], []
        for number in range(options.passes):
            out = root / "national" / "syntheses" / f"passe-{number}"
            made_csv = out.with_suffix(".csv")
            made.append(run([mairie, "-d", base, "national", "synthese", "--json",
                             "--sortie", str(out.with_suffix(".xlsx")), "--csv", str(made_csv)]))  # fmt: skip
            with sqlite3.connect(root / "national" / "national.db") as conn:
                aggregates = 40 + conn.execute("SELECT count(*) FROM departments").fetchone()[0]
            reference_cmd = [PY, __file__, "--reference", str(made_csv), str(root / "ref"), str(aggregates)]
            references.append(run(reference_cmd))
        print("  synthèse nationale, passes : " + ", ".join(f"{t:.1f}" for t, _ in made) + " s ; référence : "
              + ", ".join(f"{t:.1f}" for t, _ in references) + " s")  # fmt: skip
        synthesis, reference = min(t for t, _ in made), min(t for t, _ in references)
        synthesis_rss, reference_rss = max(m for _, m in made), max(m for _, m in references)
        # The themes are worked out at reception with mairie's taxonomy; with any other file
        # (here the same one with a comment added) the synthesis classifies every text again.
        from mairie_cli.synthesis.taxonomy import DEFAULT

        other = root / "autre-taxonomie.toml"
        other.write_text(DEFAULT.read_text(encoding="utf-8") + "\n# une autre taxonomie\n", encoding="utf-8")
        out = root / "national" / "syntheses" / "autre"
        targets = ["--sortie", str(out.with_suffix(".xlsx")), "--csv", str(out.with_suffix(".csv"))]
        cold, _ = run([mairie, "-d", base, "national", "synthese", "--taxonomie", str(other), *targets])

    row("", "mairie", "référence", "rapport", "cible")
    row(f"1re réception ({held} contributions)", f"{first:.1f} s", f"{baseline:.1f} s",
        f"{first / baseline:.2f}×", "≤ 3×")  # fmt: skip
    row("2e réception (doublons)", f"{again:.2f} s", f"{first:.1f} s", f"{again / first:.3f}×", "≤ 0,1×")
    row(
        "synthèse nationale",
        f"{synthesis:.1f} s",
        f"{reference:.1f} s",
        f"{synthesis / reference:.2f}×",
        "≤ 2×",
    )
    row("  avec une autre taxonomie (tout reclassé)", f"{cold:.1f} s", f"{reference:.1f} s",
        f"{cold / reference:.2f}×", "")  # fmt: skip
    row("mémoire (pic) : réception", f"{first_rss} Mio", f"{baseline_rss} Mio", "", "")
    row(
        "mémoire (pic) : 2e réception, synthèse",
        f"{again_rss} Mio",
        f"{synthesis_rss} Mio",
        f"réf. {reference_rss} Mio",
        "",
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reference"]:
        baseline_synthesis(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
