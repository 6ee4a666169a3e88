"""Helpers shared by the benchmarks: timing child processes, peak memory, synthetic texts."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
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


def run(cmd: list[str], **kwargs) -> tuple[float, int]:
    """Wall time (s) and peak RSS (MiB) of a child process; fails loudly if it fails."""
    start = time.perf_counter()
    stdout = kwargs.pop("stdout", subprocess.DEVNULL)
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return elapsed, usage.ru_maxrss // 1024


def median_time(cmd: list[str], repeat: int, **kwargs) -> float:
    """Median wall time over ``repeat`` runs."""
    return statistics.median(run(cmd, **kwargs)[0] for _ in range(repeat))


def row(label: str, *cells: str) -> None:
    """One line of a results table."""
    print(f"  {label:<48}" + "".join(f"{c:>14}" for c in cells))
