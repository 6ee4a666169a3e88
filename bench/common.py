"""Helpers shared by the benchmarks: timing child processes, peak memory, synthetic texts."""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

# Vocabulary for synthetic cahier-like entries (written for the benchmarks, not taken from any
# corpus): the texts only need realistic lengths and a realistic spread of words.
WORDS = (
    "le la les un une des du de et à au aux pour pas plus sans avec dans sur nous vous ils "
    "commune village mairie école poste gare médecin médecins santé hôpital urgences pharmacie "
    "retraite retraités pension impôts taxes carburant gazole essence prix salaires pouvoir "
    "achat services publics transports bus car train voiture route routes réseau internet "
    "téléphone agriculteurs agriculture éleveurs lait viande terres environnement climat "
    "énergie électricité chauffage logement loyer jeunes enfants familles personnes âgées "
    "démocratie référendum élus députés sénateurs président gouvernement justice sécurité "
    "gendarmerie fermeture ouverture suppression rétablir créer garder maintenir demander "
    "déserts médicaux trésorerie guichet administration démarches papiers formulaires"
).split()


CORPUS = ROOT.parent / "shared" / "corpus" / "texts"


def real_texts() -> list[str]:
    """The Grand Débat contributions of ``../shared/corpus/texts`` when present (evaluation
    only: they are read where they lie, never copied into the repository), else ``[]``."""
    import json

    texts: list[str] = []
    for path in sorted(CORPUS.glob("*/contributions.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts.extend(t for line in handle if (t := json.loads(line).get("text", "").strip()))
    return texts


def text_source(rng: random.Random):
    """A function giving one entry text per call: real texts in turn, else synthetic ones."""
    texts = real_texts()
    if not texts:
        return lambda i: sentence(rng)
    return lambda i: texts[i % len(texts)]


def sentence(rng: random.Random, low: int = 12, high: int = 90) -> str:
    """A synthetic entry of ``low`` to ``high`` words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


# Commands are started by a small launcher process (a fresh Python, whatever the size of the
# benchmark when it starts it): Linux counts in a child's peak RSS the memory of the process it
# was forked from (its image before ``exec``), so a benchmark that has grown (100,000 texts
# built in memory) would report its own size as the peak of every command it starts
# (measured: 510 MiB for ``python -c pass`` started by a 500 MiB process; 10 MiB through the
# launcher).
_LAUNCHER_CODE = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    cmd, stdout, stderr = json.loads(line)
    with open(stdout or os.devnull, "wb") as out, open(stderr, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    print(json.dumps([elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss]), flush=True)
"""
_launcher: subprocess.Popen[str] | None = None  # started by the first ``run``


def run(cmd: list[str], stdout: Path | None = None) -> tuple[float, int]:
    """Wall time (s) and peak RSS (MiB) of a child process (its output written to ``stdout``);
    fails loudly if it fails."""
    import json
    import tempfile

    global _launcher
    if _launcher is None:
        pipe = subprocess.PIPE
        _launcher = subprocess.Popen([PY, "-c", _LAUNCHER_CODE], stdin=pipe, stdout=pipe, text=True)
    assert _launcher.stdin is not None and _launcher.stdout is not None
    with tempfile.NamedTemporaryFile(prefix="mairie-bench-", suffix=".err") as err:
        _launcher.stdin.write(json.dumps([[str(c) for c in cmd], str(stdout or ""), err.name]) + "\n")
        _launcher.stdin.flush()
        elapsed, code, peak = json.loads(_launcher.stdout.readline())
        if code != 0:
            message = Path(err.name).read_text(encoding="utf-8", errors="replace")
            raise SystemExit(f"command failed ({code}): {' '.join(map(str, cmd))}\n{message}")
    return elapsed, peak // 1024


def median_time(cmd: list[str], repeat: int) -> float:
    """Median wall time over ``repeat`` runs."""
    return statistics.median(run(cmd)[0] for _ in range(repeat))


def row(label: str, *cells: str) -> None:
    """One line of a results table."""
    print(f"  {label:<48}" + "".join(f"{c:>14}" for c in cells))
