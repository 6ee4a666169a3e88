"""Derive the list of communes mairie carries from Etalab's « découpage administratif ».

Source: the npm package ``@etalab/decoupage-administratif`` (MIT licence), file
``data/communes.json``: the INSEE Code officiel géographique (current communes, delegated and
associated communes, municipal arrondissements, and the former codes of merged communes).

    npm pack @etalab/decoupage-administratif && tar xzf etalab-decoupage-administratif-*.tgz
    python scripts/make_communes.py package/

writes ``mairie_cli/data/communes.tsv.gz`` (one line per code: code, kind, name, department,
population, the commune it belongs to now, postcodes) and ``mairie_cli/data/LICENCE-communes.txt``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "mairie_cli" / "data"
KINDS = {
    "commune-actuelle": "actuelle",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}


def rows(entries: list[dict]) -> list[tuple[str, ...]]:
    named = {(e["code"], e["type"]) for e in entries}
    out = []
    for e in entries:
        parent = e.get("chefLieu") or e.get("commune") or ""
        out.append(
            (
                e["code"], KINDS[e["type"]], e["nom"], e["departement"], str(e.get("population", "")),
                parent, " ".join(e.get("codesPostaux", [])),
            )
        )  # fmt: skip
        for old in e.get("anciensCodes", []):
            if old != e["code"] and not any((old, kind) in named for kind in KINDS):
                out.append((old, "ancienne", "", e["departement"], "", e["code"], ""))
    return sorted(set(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked npm package (holds data/ and package.json)")
    args = parser.parse_args()
    meta = json.loads((args.package / "package.json").read_text(encoding="utf-8"))
    entries = json.loads((args.package / "data" / "communes.json").read_text(encoding="utf-8"))
    derived = rows(entries)
    OUT.mkdir(exist_ok=True)
    header = (
        f"# Source : {meta['name']} {meta['version']} (licence {meta['license']}), data/communes.json — "
        f"Code officiel géographique de l'INSEE ; extrait le {date.today().isoformat()} par "
        "scripts/make_communes.py\n"
        "# code\ttype\tnom\tdepartement\tpopulation\tcommune_de_rattachement\tcodes_postaux\n"
    )
    with gzip.open(OUT / "communes.tsv.gz", "wt", encoding="utf-8", newline="\n") as out:
        out.write(header)
        for row in derived:
            out.write("\t".join(row) + "\n")
    shutil.copyfile(args.package / "LICENSE", OUT / "LICENCE-communes.txt")
    print(f"{len(entries)} entrées lues, {len(derived)} codes écrits dans {OUT / 'communes.tsv.gz'}")


if __name__ == "__main__":
    main()
