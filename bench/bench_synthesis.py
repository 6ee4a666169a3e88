"""Benchmark of the departmental synthesis (issue « Synthèse départementale »).

Printed side by side, in the same run, at N/4 and N contributions (passes alternated, the best
of each kept: this 2-core machine's speed varies by ±20 % from one run to the next):
- ``mairie asso synthese`` (classification, near-duplicates, the workbook with all its sheets
  and the open-data CSV) against openpyxl's write-only mode writing the same rows raw: every
  row of the workbook's « Contributions » and theme sheets, as plain values, without styles,
  read from a file prepared beforehand (the issue's measure; target: at most 2×, then 1.5× with
  the print layout since « Une synthèse qu'on imprime »);
- and, stricter, against openpyxl writing only the contributions' own columns straight from the
  database (commune, name, cahier, date, nature, text, identifier: 7 values instead of 12);
- peak memory (target: flat; the first baseline holds nothing either, it streams its file).

    python bench/bench_synthesis.py [--rows 100000] [--passes 3]
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


SAME_ROWS = """
import pickle, sys
from openpyxl import Workbook
wb = Workbook(write_only=True)
sheets = {}
with open(sys.argv[1], "rb") as source:
    while True:
        try:
            title, rows = pickle.load(source)
        except EOFError:
            break
        sheet = sheets.get(title) or sheets.setdefault(title, wb.create_sheet(title))
        for values in rows:
            sheet.append(values)
wb.save(sys.argv[2])
"""


def dump_rows(workbook: Path, target: Path) -> None:
    """The rows of a synthesis workbook's « Contributions » and theme sheets, in batches."""
    import pickle

    from openpyxl import load_workbook

    book = load_workbook(workbook, read_only=True)
    with target.open("wb") as out:
        for title in book.sheetnames[1:-1]:  # all but « Synthèse » and « Méthode »
            batch: list[tuple] = []
            for values in book[title].iter_rows(values_only=True):
                batch.append(values)
                if len(batch) == 5000:
                    pickle.dump((title, batch), out)
                    batch = []
            pickle.dump((title, batch), out)
    book.close()


def build(folder: Path, rows: int) -> None:
    """An association base holding ``rows`` contributions from 500 communes."""
    import uuid

    from mairie_cli.services.association.workspace import Association
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
        from mairie_cli.storage.association.store import CONTRIBUTION_FIELDS

        # By column name: the table gains columns (the town hall's note) and old versions lack them.
        insert = (
            f"INSERT INTO contributions ({', '.join(CONTRIBUTION_FIELDS)}) "
            f"VALUES ({', '.join('?' * len(CONTRIBUTION_FIELDS))})"
        )
        batch = []
        for i in range(rows):
            values = {
                "insee": communes[i % 500], "uuid": str(uuid.UUID(int=rng.getrandbits(128))), "version": 1,
                "digest": f"{i:064x}", "cahier_id": 1, "position": i // 500 + 1, "written_on": "2019-01-15",
                "nature": rng.choice(["doleance", "proposition", "autre"]), "text": text(i),
                "source": "saisie",
                "created_at": "2019-01-15T10:00:00", "updated_at": "2019-01-15T10:00:00", "sequence": 1,
            }  # fmt: skip
            batch.append(tuple(values.get(field) for field in CONTRIBUTION_FIELDS))
            if len(batch) == 10_000:
                association.db.conn.executemany(insert, batch)
                batch = []
        association.db.conn.executemany(insert, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=3, help="passes alternated, best time kept")
    options = parser.parse_args()
    mairie = str(Path(PY).with_name("mairie"))
    source = "textes du Grand Débat (../shared)" if real_texts() else "textes synthétiques"
    print(f"Synthèse départementale ({source})")
    with tempfile.TemporaryDirectory(prefix="bench-synthese-") as work:
        for size in sorted({options.rows // 4, options.rows}):
            folder = Path(work) / f"asso-{size}"
            build(folder, size)
            ours_cmd = [mairie, "-d", str(folder), "asso", "synthese", "--sortie", str(Path(work) / "s.xlsx")]
            run(ours_cmd)  # once beforehand: its rows are the baseline's
            rows_file = Path(work) / f"rows-{size}.pickle"
            dump_rows(Path(work) / "s.xlsx", rows_file)
            same_cmd = [PY, "-c", SAME_ROWS, str(rows_file), str(Path(work) / "same.xlsx")]
            raw_cmd = [PY, "-c", RAW, str(folder / "association.db"), str(Path(work) / "raw.xlsx")]
            timings: dict[str, list[tuple[float, int]]] = {"same": [], "raw": [], "ours": []}
            for _ in range(options.passes):  # alternated: a slow spell of the machine hits all three
                timings["same"].append(run(same_cmd))
                timings["raw"].append(run(raw_cmd))
                timings["ours"].append(run(ours_cmd))
            best = {k: min(t for t, _ in v) for k, v in timings.items()}
            peak = {k: max(m for _, m in v) for k, v in timings.items()}
            for key, label in [
                ("same", "mêmes lignes brutes"),
                ("raw", "7 colonnes de la base"),
                ("ours", "mairie"),
            ]:
                print(f"  {size} : {label} : " + ", ".join(f"{t:.2f}" for t, _ in timings[key]) + " s")
            row("", "openpyxl brut", "mairie", "rapport", "cible")
            row(
                f"{size} : mêmes lignes (meilleur passage)",
                f"{best['same']:.2f} s",
                f"{best['ours']:.2f} s",
                f"{best['ours'] / best['same']:.2f}×",
                "≤ 1,5×",
            )
            row(
                f"{size} : 7 colonnes de la base",
                f"{best['raw']:.2f} s",
                f"{best['ours']:.2f} s",
                f"{best['ours'] / best['raw']:.2f}×",
                "(plus strict)",
            )
            row(
                f"{size} : mémoire (pic)",
                f"{peak['same']}/{peak['raw']} Mio",
                f"{peak['ours']} Mio",
                "",
                "plate",
            )


if __name__ == "__main__":
    main()
