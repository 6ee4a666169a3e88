"""Evaluation and benchmarks of OCR (issue « Numérisation »).

Printed side by side, in the same run:
1. the real pages of ../shared/corpus/scans-real: plain ``tesseract IMG - -l fra`` against
   mairie's reading (preprocessing, psm 4), CER per page and for the typed set, and the
   triage of every page (typed or handwritten, by corpus group);
2. synthetic pages with known text (rotated 90°/180°, skewed, noisy, JPEG, ruled, 150 and
   300 dpi, handwriting-like): CER per condition, triage confusion table, and segmentation
   boundary precision and recall against the known entry boundaries;
3. speed on 24 pages: the plain shell loop, ``xargs -P2`` with single-threaded tesseract
   (the floor) and ``mairie ocr``; peak memory of ``mairie ocr`` on PDFs of N/4 and N pages.

    python bench/bench_ocr.py [--skip-real] [--skip-speed] [--pdf-pages 120]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import PY, ROOT, row, run

sys.path.insert(0, str(ROOT))

from mairie_cli.ocr import segment, triage  # noqa: E402
from mairie_cli.ocr.worker import read_page  # noqa: E402
from testkit.synthetic import degrade, handwritten_page, typed_page  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "scans-real"
TYPED_GROUPS = {"tapuscorpus", "ocrmypdf-tests"}
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def baseline_tools():
    """The shared scoring functions (normalisation, CER) used by BASELINE.md."""
    path = SHARED / "tools" / "cer_baseline.py"
    spec = importlib.util.spec_from_file_location("cer_baseline", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def ours(path: Path) -> tuple[str, str, float]:
    text, status, seconds, _ = ours_with_drafts(path)
    return text, status, seconds


def ours_with_drafts(path: Path) -> tuple[str, str, float, int]:
    """mairie's reading of a page: its text, triage, time, and how many drafts it is cut into."""
    kind = "pdf" if path.suffix.lower() == ".pdf" else "image"
    started = time.perf_counter()
    result = read_page({"page_id": 0, "path": str(path), "kind": kind, "index": 0, "language": "fra"})
    seconds = time.perf_counter() - started
    lines = [segment.Line(text, tuple(box) if box else None) for text, box in result.get("lines", [])]
    skip, _ = segment.margins(lines)
    drafts = len(segment.split(lines, skip)) if result["status"] == triage.TYPED else 0
    return "\n".join(line.text for line in lines), result["status"], seconds, drafts


def plain(path: Path, tmp: Path, tools) -> tuple[str, float]:
    images = tools.rasterise(path, tmp) if path.suffix.lower() == ".pdf" else [path]
    started = time.perf_counter()
    texts = [
        subprocess.run(
            ["tesseract", str(i), "-", "-l", "fra"], capture_output=True, text=True, env=ENV
        ).stdout
        for i in images
    ]
    return "\n".join(texts), time.perf_counter() - started


def real_corpus() -> None:
    if not CORPUS.is_dir():
        print("(../shared/corpus/scans-real absent: real-page evaluation skipped)\n")
        return
    tools = baseline_tools()
    pages = tools.find_pages(CORPUS)
    print(f"1. Real pages ({len(pages)}), CER after the normalisation of BASELINE.md")
    row("page", "tesseract", "mairie", "triage", "expected", "cut into")
    totals: dict[str, list[float]] = {"plain": [0, 0], "ours": [0, 0]}
    confusion: Counter[tuple[str, str]] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for image, gt_path in pages:
            group = image.parent.name
            gt = gt_path.read_text(encoding="utf-8")
            plain_text, _ = plain(image, Path(tmp), tools)
            our_text, status, _, drafts = ours_with_drafts(image)
            expected = "typed" if group in TYPED_GROUPS else "handwritten"
            got = {"brouillon": "typed", "manuscrit": "handwritten"}.get(status, status)
            confusion[(expected, got)] += 1
            base, mine = tools.metrics(gt, plain_text), tools.metrics(gt, our_text)
            if expected == "typed":
                totals["plain"][0] += base["cer"] * base["gt_chars"]
                totals["plain"][1] += base["gt_chars"]
                totals["ours"][0] += mine["cer"] * mine["gt_chars"]
                totals["ours"][1] += mine["gt_chars"]
            shown = f"{mine['cer']:.1%}" if expected == "typed" else "(not OCR'd)"
            cut = f"{drafts} draft(s)" if drafts else ""
            row(f"{group}/{image.name[:34]}", f"{base['cer']:.1%}", shown, got, expected, cut)
    plain_cer = totals["plain"][0] / max(totals["plain"][1], 1)
    our_cer = totals["ours"][0] / max(totals["ours"][1], 1)
    row("TYPED SET (char-weighted CER)", f"{plain_cer:.1%}", f"{our_cer:.1%}", "", "(≤ 14.6 %)")
    print(
        "   triage (expected → got): " + ", ".join(f"{e}→{g}: {n}" for (e, g), n in sorted(confusion.items()))
    )
    print()


ENTRIES = [
    ["Le {d}/12/2018", "Nous demandons le maintien du bureau de poste du village,",
     "ouvert seulement deux matinées par semaine.", "Signé : Jean Martin"],
    ["Monsieur le Maire,", "La trésorerie a fermé et les démarches se font sur Internet,",
     "mais la moitié du village n'a pas de réseau.", "Cordialement,", "Jeanne Faure"],
    ["{n}. Rétablir l'impôt sur la fortune et taxer les très grandes entreprises,",
     "plutôt que les retraités dont la pension baisse."],
    ["Le {d} décembre 2018", "Plus de médecins à la campagne : le plus proche est à",
     "quarante minutes, et il ne prend plus de nouveaux patients.", "Signé : Paul Girard"],
    ["{n}. Un car le samedi vers la ville, et du transport à la demande",
     "pour les personnes qui ne conduisent plus."],
]  # fmt: skip


def synthetic_page(seed: int) -> tuple[list[str], set[int]]:
    """Lines of a page made of random entries, and the indexes where entries start."""
    rng = random.Random(seed)
    lines: list[str] = []
    starts: set[int] = set()
    for number in range(1, rng.randint(3, 4) + 1):
        starts.add(len(lines))
        for template in rng.choice(ENTRIES):
            lines.append(template.format(d=rng.randint(10, 28), n=number))
    return lines, starts


def synthetic() -> None:
    print("2. Synthetic pages with known text")
    conditions = [
        ("straight, 300 dpi", 300, {}), ("straight, 150 dpi", 150, {}),
        ("rotated 90°", 300, {"rotate": 90}), ("rotated 180°", 300, {"rotate": 180}),
        ("skewed 2°", 300, {"skew": 2.0}), ("skewed -5°", 300, {"skew": -5.0}),
        ("noisy", 300, {"noise": 14}), ("noisy, 150 dpi, skewed 3°", 150, {"noise": 10, "skew": 3.0}),
        ("JPEG quality 40, 150 dpi", 150, {"jpeg": 40}), ("ruled paper", 300, {"ruled": True}),
    ]  # fmt: skip
    tools = baseline_tools() if (SHARED / "tools" / "cer_baseline.py").exists() else None
    confusion: Counter[tuple[str, str]] = Counter()
    found = true_pos = expected_total = 0
    row("condition", "CER", "triage")
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, dpi, change) in enumerate(conditions):
            lines, starts = synthetic_page(index)
            page = typed_page(lines, dpi=dpi, ruled=bool(change.pop("ruled", False)))
            quality = change.pop("jpeg", None)
            page = degrade(page, seed=index, **change)
            path = Path(tmp) / (f"p{index}.jpg" if quality else f"p{index}.png")
            page.save(path, **({"quality": quality} if quality else {}))
            text, status, _ = ours(path)
            confusion[("typed", "typed" if status == triage.TYPED else status)] += 1
            expected = "\n".join(lines)
            error = tools.metrics(expected, text)["cer"] if tools else float("nan")
            row(label, f"{error:.2%}", status)
            got_lines = text.split("\n")
            if len(got_lines) == len(lines):  # boundaries compared line for line
                drafts = segment.split([segment.Line(t) for t in got_lines])
                # Without boxes the blank-gap signal is off: entries are told by their text.
                cut = {d.first for d in drafts}
                found += len(cut)
                true_pos += len(cut & starts)
                expected_total += len(starts)
        for seed in range(4):
            lines, _ = synthetic_page(100 + seed)
            path = Path(tmp) / f"h{seed}.png"
            handwritten_page(lines, dpi=150 if seed % 2 else 300, seed=seed).save(path)
            status = ours(path)[1]
            confusion[("handwritten", "handwritten" if status == triage.HANDWRITTEN else status)] += 1
    print(
        "   triage (expected → got): " + ", ".join(f"{e}→{g}: {n}" for (e, g), n in sorted(confusion.items()))
    )
    precision = true_pos / max(found, 1)
    recall = true_pos / max(expected_total, 1)
    print(f"   segmentation: boundary precision {precision:.0%}, recall {recall:.0%} ", end="")
    print(f"({expected_total} entries)\n")


#: The 24-page batch of a copier: 3 pages turned (a quarter, a half, three quarters), 6 pale
#: (tired ribbon, light copy), 8 skewed, 7 straight.
BATCH_CONDITIONS = [
    {}, {"skew": 1.5}, {"faint": 200, "blur": 1.0}, {"skew": -2.0}, {"rotate": 90}, {},
    {"faint": 185, "blur": 1.2, "skew": 1.0}, {"skew": 2.5}, {}, {"faint": 210, "blur": 1.0}, {"skew": -1.0},
    {}, {"rotate": 180}, {"faint": 195, "blur": 1.0}, {"skew": 1.0}, {}, {"faint": 205, "blur": 0.8},
    {"skew": -2.5}, {"rotate": 270}, {}, {"faint": 190, "blur": 1.0, "skew": -1.5}, {"skew": 2.0}, {},
    {"skew": -1.5},
]  # fmt: skip


def speed(pdf_pages: int) -> None:
    print("3. Speed and memory")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        for i in range(24):
            lines, _ = synthetic_page(200 + i)
            page = typed_page(lines * 2, dpi=300)
            degrade(page, seed=i, **BATCH_CONDITIONS[i % len(BATCH_CONDITIONS)]).save(
                folder / f"page-{i:02d}.png"
            )
        files = sorted(folder.iterdir())
        loop = "for f in *.png; do tesseract $f - -l fra >/dev/null 2>&1; done"
        started = time.perf_counter()
        subprocess.run(["bash", "-c", loop], cwd=folder, check=True)
        plain_loop = time.perf_counter() - started
        xargs = "ls *.png | OMP_THREAD_LIMIT=1 xargs -P2 -I{} tesseract {} - -l fra >/dev/null 2>&1"
        floors, ours, ours_rss = [], [], 0
        for attempt in range(3):  # alternated: the machine's load drifts, it hits both alike
            started = time.perf_counter()
            subprocess.run(["bash", "-c", xargs], cwd=folder, check=True)
            floors.append(time.perf_counter() - started)
            work = Path(tmp) / f"commune-{attempt}"
            mairie = [PY, "-m", "mairie_cli", "-d", str(work)]
            run([*mairie, "init", "--commune", "01001"])
            run([*mairie, "cahier", "ouvrir", "Cahier"])
            seconds, rss = run([*mairie, "ocr", *map(str, files)])
            ours.append(seconds)
            ours_rss = max(ours_rss, rss)
        floor, ours_time = statistics.median(floors), statistics.median(ours)
        row("24 pages (3 turned, 6 pale, 8 skewed)", "plain loop", "xargs -P2", "mairie ocr", "ratio (b)")
        row(
            "medians of 3 alternated runs",
            f"{plain_loop:.1f} s",
            f"{floor:.1f} s",
            f"{ours_time:.1f} s",
            f"{ours_time / floor:.2f}× (≤1.3)",
        )
        print(f"   mairie ocr peak RSS (parent): {ours_rss} MiB")
        for count in sorted({max(pdf_pages // 4, 1), pdf_pages}):
            pdf = Path(tmp) / f"lot-{count}.pdf"
            images = [
                typed_page(synthetic_page(300 + i)[0], dpi=100).convert("RGB") for i in range(min(count, 10))
            ]
            images = [images[i % len(images)] for i in range(count)]
            images[0].save(pdf, save_all=True, append_images=images[1:], resolution=100)
            del images
            work = Path(tmp) / f"commune-{count}"
            mairie = [PY, "-m", "mairie_cli", "-d", str(work)]
            run([*mairie, "init", "--commune", "01001"])
            run([*mairie, "cahier", "ouvrir", "Cahier"])
            seconds, rss = run([*mairie, "ocr", str(pdf)])
            size = pdf.stat().st_size / 1024**2
            print(f"   PDF of {count} pages: {seconds:.1f} s, peak RSS {rss} MiB ({size:.1f} MiB file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--pdf-pages", type=int, default=120)
    args = parser.parse_args()
    if not args.skip_real:
        real_corpus()
    synthetic()
    if not args.skip_speed:
        speed(args.pdf_pages)


if __name__ == "__main__":
    main()
