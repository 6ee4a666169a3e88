"""Evaluation of typed-page reading (issue « Pages dactylographiées »): pages with known entries,
read by the real pipeline (``mairie ocr``: tesseract, triage, segmentation, fields).

Pages are built by ``testkit/register_pages.py`` from real citizen texts of ../shared/corpus/texts
(faint and low-contrast print, running headers, page numbers, signatures, the date formats of
registers, hyphenated wraps, 150 and 300 dpi, slight skew and noise). Two sets, printed side by
side: « dev » (texts of gdn-organisation-answers, the set the rules were tuned on) and « unseen »
(texts of gdn-tamis-annotated and decidim, other seeds, never looked at while tuning).

    python bench/eval_typed_pages.py [--pages 24]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from common import ROOT, row

sys.path.insert(0, str(ROOT))

from mairie_cli.services.commune.ocr import run_ocr  # noqa: E402
from mairie_cli.services.commune.register import Register  # noqa: E402
from mairie_cli.textnorm import fold  # noqa: E402
from testkit.metrics import cer  # noqa: E402
from testkit.register_pages import Page, corpus_texts, fits, make_page, render  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "texts"
SETS = {
    "dev": (["gdn-organisation-answers"], 1),
    "unseen": (["gdn-tamis-annotated", "decidim-granddebat-mel-nancy"], 1001),
}
#: (dpi, faint grey) in turn: a third of the pages printed pale.
#: --montrer : print the misses of the dev set (never of the unseen one, not to tune on it).
SHOW_MISSES = False
CONDITIONS = [(300, 0), (150, 0), (300, 190), (300, 0), (150, 205), (300, 215)]


def build(name: str, count: int, folder: Path) -> list[tuple[Path, Page]]:
    corpora, seed = SETS[name]
    rng = random.Random(seed)
    texts = corpus_texts(CORPUS, corpora, rng, count * 4)
    if len(texts) < count * 2:
        raise SystemExit("../shared/corpus/texts est absent : l'évaluation a besoin de textes réels.")
    pages = []
    for number in range(1, count + 1):
        chosen = [texts.pop() for _ in range(rng.randint(2, 4))]
        page = make_page(chosen, number, rng, "Saint-Rambert")
        while not fits(page) and len(chosen) > 1:
            texts.append(chosen.pop())
            page = make_page(chosen, number, rng, "Saint-Rambert")
        dpi, faint = CONDITIONS[number % len(CONDITIONS)]
        path = folder / f"{name}-{number:03d}.png"
        render(page, rng, dpi, faint).save(path)
        pages.append((path, page))
    return pages


def evaluate(name: str, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scans"
        folder.mkdir()
        pages = build(name, count, folder)
        register, _ = Register.init(Path(tmp) / "commune", "01001")
        with register:
            register.open_cahier("Cahier")
            report = run_ocr(register, [folder], jobs=2)
            status = {p.file: p.status for p in report.pages}
            drafts_by_file: dict[str, list] = {}
            for contribution in register.contributions():
                page = register.pages.page(contribution.page_id) if contribution.page_id else None
                if page is not None:
                    drafts_by_file.setdefault(page["file_name"], []).append(contribution)
        return score(pages, status, drafts_by_file)


def score(
    pages: list[tuple[Path, Page]], status: dict[str, str], drafts_by_file: dict[str, list]
) -> dict[str, float]:
    totals = {"pages": 0, "blank": 0, "entries": 0, "own": 0, "dated": 0, "date_ok": 0, "signed": 0,
              "author_ok": 0, "margin_drafts": 0, "chars": 0, "errors": 0, "drafts": 0}  # fmt: skip
    for path, page in pages:
        totals["pages"] += 1
        totals["blank"] += status.get(path.name) == "vide"
        drafts = drafts_by_file.get(path.name, [])
        totals["drafts"] += len(drafts)
        margins = [fold(m) for m in page.margin_lines]
        totals["margin_drafts"] += sum(
            1
            for d in drafts
            if any(m in fold(d.text) for m in margins if len(m) > 8) or fold(d.text) in margins
        )
        free = list(drafts)
        for entry in page.entries:
            totals["entries"] += 1
            best = min(free, key=lambda d: cer(entry.body, d.text), default=None)
            error = cer(entry.body, best.text) if best is not None else 1.0
            if SHOW_MISSES and (best is None or error > 0.05):
                print(f"   manqué ({path.name}) : {entry.body[:70]!r} → {best.text[:70] if best else None!r}")
            if best is not None and error <= 0.05:
                free.remove(best)
                totals["own"] += 1
                totals["chars"] += len(entry.body)
                totals["errors"] += round(error * len(" ".join(entry.body.split())))
                if entry.written_on is not None:
                    totals["date_ok"] += best.written_on == entry.written_on.isoformat()
                if entry.author is not None:
                    totals["author_ok"] += (best.author or "") == entry.author
                    if SHOW_MISSES and (best.author or "") != entry.author:
                        print(f"   auteur ({path.name}) : attendu {entry.author!r}, lu {best.author!r}")
                if (
                    SHOW_MISSES
                    and entry.written_on is not None
                    and best.written_on != entry.written_on.isoformat()
                ):
                    print(
                        f"   date ({path.name}) : attendue {entry.written_on}, lue {best.written_on} "
                        f"{entry.lines[0]!r}"
                    )
            totals["dated"] += entry.written_on is not None
            totals["signed"] += entry.author is not None
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24, help="pages per set")
    parser.add_argument("--montrer", action="store_true", help="print the dev set's misses")
    args = parser.parse_args()
    global SHOW_MISSES
    if not CORPUS.is_dir():
        print("(../shared/corpus/texts absent : évaluation des pages dactylographiées sautée)")
        return
    results = {}
    for name in SETS:
        SHOW_MISSES = args.montrer and name == "dev"
        results[name] = evaluate(name, args.pages)
    print(f"Typed pages with known entries ({args.pages} pages per set, real citizen texts)")
    row("measure", "dev", "unseen", "target")

    def share(name: str, part: str, whole: str) -> str:
        data = results[name]
        return f"{data[part] / max(data[whole], 1):.1%} ({data[part]}/{data[whole]})"

    row("pages set aside as blank", *(str(results[n]["blank"]) for n in SETS), "0")
    row("entries found as their own draft", *(share(n, "own", "entries") for n in SETS), "≥ 95 %")
    row("right date (dated entries)", *(share(n, "date_ok", "dated") for n in SETS), "≥ 95 %")
    row("right author (signed entries)", *(share(n, "author_ok", "signed") for n in SETS), "≥ 90 %")
    row("header or page-number drafts", *(str(results[n]["margin_drafts"]) for n in SETS), "0")
    row(
        "CER on entry text (found)",
        *(f"{results[n]['errors'] / max(results[n]['chars'], 1):.2%}" for n in SETS),
        "< 1 %",
    )
    row("drafts / entries", *(f"{results[n]['drafts']}/{results[n]['entries']}" for n in SETS), "")


if __name__ == "__main__":
    main()
