"""Personal-data detection: quality and cost (issue « Données personnelles »).

Printed in the same run:
- on the labelled set ``tests/data/donnees_personnelles.jsonl`` (texts written for the
  project, see ``scripts/make_privacy_set.py``): recall and precision per kind (targets:
  recall ≥ 99 % for phone, email, NIR, IBAN; ≥ 90 % for addresses and names; precision
  ≥ 90 % overall);
- on the real Grand Débat texts of ``../shared/corpus/texts`` (nearly free of personal
  data): the share of texts the detector touches (target < 1 %), with what it found;
- ``export --tout`` of N contributions with detection against the same export without it
  (target: at most +50 %): texts never examined (a first export), and texts whose findings
  were kept by an earlier export or preview (``privacy.findings``).

    python bench/bench_privacy.py [--rows 100000] [--passes 3] [--skip-export]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import PY, ROOT, real_texts, row, run

sys.path.insert(0, str(ROOT))

EXPORT = """
import sys
from mairie_cli.services.commune.export import export_bundle
from mairie_cli.services.commune.register import Register
with Register.open(sys.argv[1]) as register:
    export_bundle(register, full=True, mask=sys.argv[2] == "1")
"""


def quality() -> None:
    from mairie_cli.privacy.detect import KINDS, Detector
    from testkit.privacy_eval import score

    path = ROOT / "tests" / "data" / "donnees_personnelles.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    result = score(Detector(), items)
    print(f"Jeu étiqueté : {len(items)} textes, {sum(result.labelled.values())} données personnelles")
    row("", "repères", "rappel", "précision", "cible (rappel)")
    for kind in KINDS:
        target = "≥ 99 %" if kind in ("TÉLÉPHONE", "COURRIEL", "NIR", "IBAN") else "≥ 90 %"
        row(
            kind,
            str(result.labelled[kind]),
            f"{result.recall(kind):.1%}",
            f"{result.precision(kind):.1%}",
            target,
        )
    row("ensemble", str(sum(result.labelled.values())), "", f"{result.precision():.1%}", "précision ≥ 90 %")
    for kind, span, text in result.misses[:10]:
        print(f"    manqué {kind} « {span} » dans : {text[:90]}")
    for kind, span, text in result.false_alarms[:10]:
        print(f"    en trop {kind} « {span} » dans : {text[:90]}")


def second_set() -> None:
    """The test of record: the second labelled set (real texts with data inserted where people
    put it), its development half and its unseen half, apart."""
    from mairie_cli.privacy.detect import KINDS, Detector
    from testkit.privacy_eval import score
    from testkit.privacy_set2 import build

    texts = real_texts()
    items = build(texts, 800)
    source = "textes réels du Grand Débat" if texts else "phrases de base (../shared absent)"
    print(f"\nSecond jeu (données insérées dans des {source}) : {len(items)} textes")
    row("", "dév. : rappel", "inédit : rappel", "repères", "cible")
    results = {part: score(Detector(), [i for i in items if i["part"] == part]) for part in ("dev", "unseen")}
    for kind in KINDS:
        target = "100 %" if kind in ("TÉLÉPHONE", "COURRIEL", "NIR", "IBAN") else "≥ 95 %"
        labelled = results["dev"].labelled[kind] + results["unseen"].labelled[kind]
        row(
            kind,
            f"{results['dev'].recall(kind):.1%}",
            f"{results['unseen'].recall(kind):.1%}",
            str(labelled),
            target,
        )
    row("précision", f"{results['dev'].precision():.1%}", f"{results['unseen'].precision():.1%}")
    for kind, span, _text in results["dev"].misses[:8]:
        print(f"    manqué (dév.) {kind} « {span} »")
    for kind, span, _ in results["dev"].false_alarms[:8] + results["unseen"].false_alarms[:8]:
        print(f"    en trop {kind} « {span} »")


def real_false_positives() -> None:
    from mairie_cli.privacy.detect import Detector

    texts = real_texts()
    if not texts:
        print("Textes du Grand Débat absents (../shared) : mesure des faux positifs sautée.")
        return
    detector = Detector()
    touched = [(text, spans) for text in texts if (spans := detector.find(text))]
    kinds = Counter(span.kind for _, spans in touched for span in spans)
    rules = Counter(f"{span.kind} ({span.rule})" for _, spans in touched for span in spans)
    print(
        f"Textes réels du Grand Débat : {len(touched)} sur {len(texts)} touchés "
        f"({len(touched) / len(texts):.2%}, cible < 1 %) ; repérages : {dict(kinds)}"
    )
    print("    par règle : " + ", ".join(f"{rule} : {n}" for rule, n in rules.most_common()))
    for text, spans in touched[:8]:
        for span in spans[:1]:
            context = text[max(0, span.start - 30) : span.end + 20].replace("\n", " ")
            print(f"    {span.kind} « {span.text} » ({span.rule}) : …{context}…")


def export_cost(rows: int, passes: int = 3) -> None:
    """Export without masking, masking texts never examined (the first export, or after an
    update of the rules), and masking texts already examined (findings kept), alternated; the
    best of each is compared, and each pass's own ratio shown (on a shared machine, one export
    varies by ±15 % from the next: the spread says how far to trust the best)."""
    from bench_bundles import build_workspace

    with tempfile.TemporaryDirectory(prefix="mairie-bench-") as tmp:
        folder = Path(tmp) / "commune"
        build_workspace(folder, rows)
        import pyrage

        mairie = str(Path(PY).with_name("mairie"))
        recipient = str(pyrage.x25519.Identity.generate().to_public())
        run([mairie, "-d", str(folder), "config", "destinataire", recipient])
        timings: dict[str, list[tuple[float, int]]] = {}
        for variant in ("plain", "first", "again") * passes:  # alternated: the machine's drift hits all
            seconds, rss = run([PY, "-c", EXPORT, str(folder), "0" if variant == "plain" else "1"])
            timings.setdefault(variant, []).append((seconds, rss))
            for exported in (folder / "exports").glob("doleances-*"):
                exported.unlink()
            with sqlite3.connect(folder / "mairie.db") as conn:  # the next export is n° 1 again
                conn.execute("DELETE FROM export_state")
                conn.execute("DELETE FROM exports")
                if variant == "again":  # the next masked export examines every text again
                    conn.execute("DELETE FROM findings")
    best = {variant: min(t for t, _ in runs) for variant, runs in timings.items()}
    print(f"  ({passes} passes alternées ; la meilleure de chaque est retenue)")
    row("", "durée", "surcoût", "mémoire (pic)", "cible")
    for variant, label in (
        ("plain", f"export --tout de {rows} contributions, sans repérage"),
        ("first", "avec repérage, textes jamais examinés"),
        ("again", "avec repérage, textes déjà examinés"),
    ):
        extra = f"{best[variant] / best['plain'] - 1:+.0%}" if variant != "plain" else ""
        rss = max(r for _, r in timings[variant])
        row(label, f"{best[variant]:.2f} s", extra, f"{rss} Mio", "" if variant == "plain" else "≤ +50 %")
    for variant in ("first", "again"):
        ratios = sorted(t / p - 1 for (t, _), (p, _) in zip(timings[variant], timings["plain"], strict=True))
        print(
            f"    surcoût passe par passe ({variant}) : " + ", ".join(f"{r:+.0%}" for r in ratios)
            + f" ; médiane {statistics.median(ratios):+.0%}"
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--passes", type=int, default=3, help="alternated passes of the three exports")
    options = parser.parse_args()
    quality()
    second_set()
    real_false_positives()
    if not options.skip_export:
        export_cost(options.rows, options.passes)


if __name__ == "__main__":
    main()
