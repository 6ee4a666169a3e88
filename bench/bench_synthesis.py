"""Benchmark of the departmental synthesis (issue « Synthèse départementale »).

Printed side by side, in the same run, at N/4 and N contributions (passes alternated, the best
of each kept: this 2-core machine's speed varies by ±20 % from one run to the next):
- ``mairie asso synthese`` (classification, near-duplicates, the workbook with all its sheets
  and the open-data CSV) against openpyxl's write-only mode writing the same rows raw
  (commune, cahier, date, nature, text, identifier) into one sheet (target: at most 2×);
- peak memory of both (target: flat).

    python bench/bench_synthesis.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from common import PY, ROOT, real_texts, row, run, text_source

sys.path.insert(0, str(ROOT))

RAW = """
import sqlite3, sys
from openpyxl import Workbook
wb = Workbook(write_only=True)
ws = wb.create_sheet("Contributions")
conn = sqlite3.connect(sys.argv[1])
for r in conn.execute(
    "SELECT c.insee, m.name, k.title, c.written_on, c.nature, c.text, c.uuid FROM contributions c "
    "LEFT JOIN communes m ON m.insee = c.insee "
    "LEFT JOIN cahiers k ON k.insee = c.insee AND k.id = c.cahier_id "
    "WHERE c.deleted_at IS NULL ORDER BY c.insee, c.cahier_id, c.position"
):
    ws.append(list(r))
wb.save(sys.argv[2])
"""


def build(folder: Path, rows: int) -> None:
    """An association base holding ``rows`` contributions from 500 communes."""
    import uuid

    from mairie_cli.services.association import Association
    from mairie_cli.storage.database import transaction

    rng = random.Random(6)
    text = text_source(rng)
    association, _ = Association.init(folder, "01")
    with association, transaction(association.db):
        communes = [f"01{n:03d}" for n in range(1, 501)]
        association.db.conn.executemany(
            "INSERT INTO communes (insee, name, population, listed) VALUES (?, ?, ?, 1)",
            [(c, f"Commune {c}", rng.choice([150, 400, 900, 3000, 12000])) for c in communes],
        )
        association.db.conn.executemany(
            "INSERT INTO cahiers (insee, id, title, sequence) VALUES (?, 1, 'Cahier de doléances', 1)",
            [(c,) for c in communes],
        )
        batch = []
        for i in range(rows):
            batch.append((
                communes[i % 500], str(uuid.UUID(int=rng.getrandbits(128))), 1, f"{i:064x}", 1, i // 500 + 1,
                None, "2019-01-15", rng.choice(["doleance", "proposition", "autre"]), text(i), None, "saisie",
                None, None, "2019-01-15T10:00:00", "2019-01-15T10:00:00", None, 1,
            ))  # fmt: skip
            if len(batch) == 10_000:
                association.db.conn.executemany(
                    f"INSERT INTO contributions VALUES ({', '.join('?' * 18)})", batch
                )
                batch = []
        association.db.conn.executemany(f"INSERT INTO contributions VALUES ({', '.join('?' * 18)})", batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=3, help="passes alternated, best time kept")
    options = parser.parse_args()
    mairie = str(Path(PY).with_name("mairie"))
    source = "textes du Grand Débat (../shared)" if real_texts() else "textes synthétiques"
    print(f"Synthèse départementale ({source})")
    row("", "openpyxl brut", "mairie", "rapport", "cible")
    with tempfile.TemporaryDirectory(prefix="bench-synthese-") as work:
        for size in sorted({options.rows // 4, options.rows}):
            folder = Path(work) / f"asso-{size}"
            build(folder, size)
            raws, ours = [], []
            for _ in range(options.passes):  # alternated: a slow spell of the machine hits both
                raws.append(
                    run(
                        [PY, "-c", RAW, str(folder / "association.db"), str(Path(work) / f"brut-{size}.xlsx")]
                    )
                )
                ours.append(
                    run(
                        [
                            mairie,
                            "-d",
                            str(folder),
                            "asso",
                            "synthese",
                            "--sortie",
                            str(Path(work) / f"s-{size}.xlsx"),
                        ]
                    )
                )
            raw, ours_best = min(t for t, _ in raws), min(t for t, _ in ours)
            raw_rss, our_rss = max(m for _, m in raws), max(m for _, m in ours)
            print(
                f"  passes : openpyxl {', '.join(f'{t:.2f}' for t, _ in raws)} s ; "
                f"mairie {', '.join(f'{t:.2f}' for t, _ in ours)} s"
            )
            row(
                f"{size} contributions (meilleur passage)",
                f"{raw:.2f} s",
                f"{ours_best:.2f} s",
                f"{ours_best / raw:.2f}×",
                "≤ 2×",
            )
            row(f"{size} contributions : mémoire (pic)", f"{raw_rss} Mio", f"{our_rss} Mio", "", "plate")


if __name__ == "__main__":
    main()
