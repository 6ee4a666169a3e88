"""Benchmark of the association's reception (issue « Côté association »).

Printed side by side, in the same run:
- ``mairie asso recevoir`` of C commune bundles of R contributions each (decryption,
  verification and merge included), first reception, against loading the same rows with
  ``sqlite-utils insert assoc.db contributions rows.jsonl --nl`` (target: at most 3×);
- the same C bundles received again (target: at most 0.3× the first reception);
- peak memory of both receptions.

    python bench/bench_reception.py [--communes 500] [--rows 200]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import PY, ROOT, real_texts, row, run, text_source

sys.path.insert(0, str(ROOT))


def build_commune(args: tuple[Path, str, int, list[str], Path]) -> Path:
    """One commune's workspace with ``rows`` contributions, exported once; returns its key file."""
    folder, insee, rows, recipients, outbox = args
    from mairie_cli.models import Nature, NewContribution
    from mairie_cli.services.commune.export import export_bundle
    from mairie_cli.services.commune.keys import CommuneKeys, set_recipients
    from mairie_cli.services.commune.register import Register
    from mairie_cli.storage.database import transaction

    seed = int(insee)
    rng = random.Random(seed)
    text = text_source(rng)
    register, _ = Register.init(folder, insee)
    with register:
        register.open_cahier("Cahier de doléances")
        entries = (
            NewContribution(
                text=text(seed * rows + i),
                nature=rng.choice(list(Nature)),
                author=f"Auteur {rng.randint(1, 50)}" if rng.random() < 0.6 else None,
            )  # fmt: skip
            for i in range(rows)
        )
        with transaction(register.db):
            register.add_many(entries, 1)
        set_recipients(register, *recipients)
        [exported] = export_bundle(register).files
        shutil.copy(exported.path, outbox / exported.name)
        key = CommuneKeys.of(register.workspace).public
        target = outbox.parent / "cles" / f"commune-{insee}.pub"
        shutil.copy(key, target)
    shutil.rmtree(folder)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--communes", type=int, default=500)
    parser.add_argument("--rows", type=int, default=200)
    options = parser.parse_args()
    from mairie_cli.services.association.workspace import Association

    mairie = str(Path(PY).with_name("mairie"))
    sqlite_utils = str(Path(PY).with_name("sqlite-utils"))
    source = "textes du Grand Débat (../shared)" if real_texts() else "textes synthétiques"
    print(f"Réception de {options.communes} paquets de {options.rows} contributions ({source})")
    with tempfile.TemporaryDirectory(prefix="bench-reception-") as work:
        root = Path(work)
        outbox = root / "courrier"
        outbox.mkdir()
        (root / "cles").mkdir()
        association, _ = Association.init(root / "asso", "01")
        with association:
            recipients = association.recipients()
            jobs = [
                (root / "communes" / f"01{n:03d}", f"01{n:03d}", options.rows, recipients, outbox)
                for n in range(1, options.communes + 1)
            ]
            with ProcessPoolExecutor() as pool:
                keys = list(pool.map(build_commune, jobs, chunksize=8))
            for key in keys:
                association.trust(key.stem.removeprefix("commune-"), key)
        size = sum(p.stat().st_size for p in outbox.iterdir()) / 1024**2
        print(f"  {len(keys)} paquets chiffrés, {size:.1f} Mio en tout")

        first, first_rss = run([mairie, "-d", str(root / "asso"), "asso", "recevoir", str(outbox), "--json"])
        with sqlite3.connect(root / "asso" / "association.db") as conn:
            conn.row_factory = sqlite3.Row
            held = conn.execute("SELECT count(*) FROM contributions").fetchone()[0]
            rows_file = root / "rows.jsonl"
            with rows_file.open("w", encoding="utf-8") as out:
                for record in conn.execute("SELECT * FROM contributions"):
                    out.write(json.dumps(dict(record), ensure_ascii=False) + "\n")
        assert held == options.communes * options.rows, held
        baseline, baseline_rss = run([sqlite_utils, "insert", str(root / "base.db"), "contributions",
                                      str(rows_file), "--nl"])  # fmt: skip
        again, again_rss = run([mairie, "-d", str(root / "asso"), "asso", "recevoir", str(outbox), "--json"])

    row("", "mairie", "référence", "rapport", "cible")
    row(f"1re réception ({held} contributions)", f"{first:.2f} s", f"{baseline:.2f} s",
        f"{first / baseline:.2f}×", "≤ 3×")  # fmt: skip
    row("2e réception (doublons)", f"{again:.2f} s", f"{first:.2f} s", f"{again / first:.2f}×", "≤ 0,3×")
    row("mémoire (pic)", f"{first_rss} Mio", f"{baseline_rss} Mio", "", "")
    row("mémoire (pic), 2e réception", f"{again_rss} Mio", "", "", "")


if __name__ == "__main__":
    main()
