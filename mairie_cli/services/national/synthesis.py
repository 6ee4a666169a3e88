"""The national synthesis: France's contributions classified by the same explainable classifier
and taxonomy as the departments', in one streaming pass over the federation's base.

At a million contributions a workbook of every text would exceed what a sheet holds (1,048,576
rows) and what anyone reads: the workbook holds aggregates (themes, official themes,
departments, sizes of commune, coverage) and a few representative texts per theme, chosen by a
stated rule; every contribution goes to the open-data CSV, written as it streams. The
associations' theme decisions win over the classifier, as at the association.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.communes import lookup, source
from mairie_cli.csvtext import BOM, csv_field, csv_line, no_formula
from mairie_cli.dates import format_fr
from mairie_cli.files import synthesis_targets
from mairie_cli.models import Nature
from mairie_cli.parallel import ordered_map
from mairie_cli.services.national.workspace import National
from mairie_cli.storage.database import open_reader, transaction
from mairie_cli.storage.national.store import NationalStore
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.national_workbook import Sheet
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy, load
from mairie_cli.textnorm import STOP_WORDS, words

CSV_HEADER = [
    "departement", "commune_insee", "commune", "envoi_departement", "envoi_commune", "date", "nature",
    "theme_principal", "themes_secondaires", "theme_officiel", "texte",
]  # fmt: skip
#: Sizes of commune by inhabitants (INSEE's legal population), the rural threshold at 3,500.
SIZES = ((0, "moins de 200"), (200, "200 à 499"), (500, "500 à 999"), (1000, "1 000 à 1 999"),
         (2000, "2 000 à 3 499"), (3500, "3 500 et plus"))  # fmt: skip
UNKNOWN_SIZE = "population inconnue"
#: Representative texts: per theme, the highest scores of the classifier for that theme among
#: texts of 150 to 1,200 characters, at most one per department.
QUOTES, QUOTE_MIN, QUOTE_MAX = 5, 150, 1200
Progress = Callable[[int, int], None]

#: Rows a worker reads, classifies and writes as CSV at a time (whole communes).
BATCH_ROWS = 2000


class _Tally:
    """Counts per commune and theme, and per theme the best text of each department: what a
    worker gathers on its share and this process adds up (bounded, whatever the size)."""

    def __init__(self) -> None:
        self.by_commune: dict[str, Counter[str]] = {}
        self.department_of: dict[str, str] = {}
        # Per theme, the best text of each department (score, tie-break, what is shown).
        self.quotes: dict[str, dict[str, tuple[float, str, tuple[str, str, str, str]]]] = {}

    def add(self, department: str, insee: str, main: str) -> None:
        counts = self.by_commune.get(insee)
        if counts is None:
            counts = self.by_commune[insee] = Counter()
            self.department_of[insee] = department
        counts[main] += 1

    def offer(
        self, department: str, insee: str, main: str, score: float, quote: tuple[str, str, str, str]
    ) -> None:
        """A text that may represent its theme: kept if it is its department's best so far."""
        text = quote[3]
        if main != TO_CLASSIFY and QUOTE_MIN <= len(text) <= QUOTE_MAX:
            best = self.quotes.setdefault(main, {})
            held = best.get(department)
            if held is None or score >= held[0]:
                entry = (score, f"{insee}{text[:40]}", quote)
                if held is None or entry > held:
                    best[department] = entry

    def merge(self, other: _Tally) -> None:
        for insee, counts in other.by_commune.items():
            if insee in self.by_commune:
                self.by_commune[insee].update(counts)
            else:
                self.by_commune[insee] = counts
                self.department_of[insee] = other.department_of[insee]
        for theme, entries in other.quotes.items():
            best = self.quotes.setdefault(theme, {})
            for department, entry in entries.items():
                if department not in best or entry > best[department]:
                    best[department] = entry


@dataclass
class _Part:
    """A worker's share: its communes' CSV lines, how many, what they count for."""

    csv: str
    rows: int
    tally: _Tally


class _Reader:
    """A worker: reads a range of communes from the base, classifies their texts and writes
    their CSV lines (a million lines: what repeats — a commune's columns, labels, dates — is
    quoted once)."""

    def __init__(self, db_path: Path, taxonomy: Taxonomy) -> None:
        self.store = NationalStore(open_reader(db_path))
        self.classifier = Classifier(taxonomy)
        known = {t.id for t in taxonomy.themes} | {TO_CLASSIFY}
        self.overrides: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        for insee, uuid, main, listed in self.store.theme_decisions():
            others = tuple(json.loads(listed))
            if all(t in known for t in (main, *others)):  # another taxonomy's theme cannot apply
                self.overrides[(insee, uuid)] = (main, others)
        self.labels = {t: taxonomy.label(t) for t in known}
        self.themes = {t: f"{csv_field(self.labels[t])};" for t in known}
        self.officials = {
            t: csv_field(taxonomy.officials.get(taxonomy.official_of(t) or "", "")) for t in known
        }
        self.natures = {n.value: csv_field(n.label) for n in Nature}
        self.names = {c["insee"]: no_formula(c["name"] or "") for c in self.store.communes()}
        self.others_of: dict[tuple[str, ...], str] = {}
        self.dates: dict[str | None, str] = {}

    def close(self) -> None:
        self.store.db.conn.close()

    def themes_of(self, text: str) -> tuple[str, tuple[str, ...], float]:
        return self.classifier.themes([t for t in words(text) if t not in STOP_WORDS])

    def part(self, first: str, last: str) -> _Part:
        tally, lines = _Tally(), []
        communes: dict[str, str] = {}  # insee -> « department;insee;name; »
        rows = self.store.synthesis_rows(first, last)
        for department, insee, uuid, sequence, envoi, written_on, nature, text in rows:
            text = text or ""
            main, secondary, score = found = self.themes_of(text)
            if (insee, uuid) in self.overrides:
                main, secondary = self.overrides[(insee, uuid)]
                score = score if main == found[0] else 0.0
            commune = communes.get(insee)
            if commune is None:
                commune = communes[insee] = f"{department};{insee};{csv_field(self.names.get(insee, ''))};"
            written = self.dates.get(written_on)
            if written is None:
                written = self.dates[written_on] = format_fr(written_on)
            others = self.others_of.get(secondary)
            if others is None:
                others = self.others_of[secondary] = csv_field(", ".join(self.labels[t] for t in secondary))
            lines.append(
                f"{commune}{sequence};{envoi};{written};{self.natures[nature]};{self.themes[main]}{others};"
                f"{self.officials[main]};{csv_field(no_formula(text))}\r\n"
            )
            tally.add(department, insee, main)
            tally.offer(
                department, insee, main, score, (department, self.names.get(insee, ""), written, text)
            )
        return _Part("".join(lines), len(rows), tally)


_reader: _Reader | None = None


def _start(db_path: str, taxonomy_path: str | None) -> None:
    global _reader
    if _reader is not None:  # this process, for a small synthesis: a previous one's reader
        _reader.close()
    _reader = _Reader(Path(db_path), load(Path(taxonomy_path) if taxonomy_path else None))


def _read(ranges: list[tuple[str, str]]) -> list[_Part]:
    assert _reader is not None
    return [_reader.part(first, last) for first, last in ranges]


def _stop() -> None:
    """Close this process's reader, if a small synthesis ran here."""
    global _reader
    if _reader is not None:
        _reader.close()
        _reader = None


@dataclass
class NationalSynthesis:
    workbook: Path
    csv: Path
    contributions: int = 0
    departments: int = 0
    communes_heard: int = 0
    taxonomy: str = ""
    seconds: float = 0.0
    themes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "workbook": str(self.workbook), "csv": str(self.csv)}


class _Figures:
    """Everything the workbook says: the workers' tallies added up, then summed by theme,
    department and size of commune."""

    def __init__(self, taxonomy: Taxonomy, communes: list[dict[str, Any]]) -> None:
        self.taxonomy = taxonomy
        # A population the association's list did not give is taken from the official list.
        self.communes = {c["insee"]: _with_population(c) for c in communes}
        self.tally = _Tally()
        self.by_theme: Counter[str] = Counter()
        self.by_department: dict[str, Counter[str]] = {}
        self.by_size: Counter[str] = Counter()
        self.total = 0

    def size_of(self, insee: str) -> str:
        population = (self.communes.get(insee) or {}).get("population")
        if population is None:
            return UNKNOWN_SIZE
        return [label for floor, label in SIZES if population >= floor][-1]

    def sum_up(self) -> None:
        for insee, counts in self.tally.by_commune.items():
            number = sum(counts.values())
            self.total += number
            self.by_theme.update(counts)
            self.by_department.setdefault(self.tally.department_of[insee], Counter()).update(counts)
            self.by_size[self.size_of(insee)] += number

    def quoted(self, theme: str) -> list[tuple[str, str, str, str]]:
        """The representative texts of a theme: the best of each department, the best first."""
        kept = sorted(self.tally.quotes.get(theme, {}).values(), reverse=True)[:QUOTES]
        return [quote for _, _, quote in kept]


def _with_population(commune: dict[str, Any]) -> dict[str, Any]:
    if commune["population"] is None and (official := lookup(commune["insee"])) is not None:
        return {**commune, "population": official.population}
    return commune


def build_national_synthesis(
    national: National,
    workbook_path: Path | None = None,
    csv_path: Path | None = None,
    *,
    taxonomy_path: Path | None = None,
    progress: Progress | None = None,
) -> NationalSynthesis:
    """Write the national workbook (aggregates, representative texts, method) and the open-data
    CSV of every contribution; returns what they hold."""
    started = time.monotonic()
    taxonomy = load(taxonomy_path)
    workbook_path, csv_path = synthesis_targets(
        national.workspace.syntheses_dir, f"synthese-nationale-{date.today().isoformat()}",
        workbook_path, csv_path,
    )  # fmt: skip
    store = national.store
    figures = _Figures(taxonomy, store.communes())
    partial_csv = csv_path.with_name(f".{csv_path.name}.partiel")
    partial_book = workbook_path.with_name(f".{workbook_path.name}.partiel")
    try:
        with partial_csv.open("w", encoding="utf-8", newline="") as out:
            _stream(national, taxonomy_path, figures, out, progress)
        from mairie_cli.synthesis.national_workbook import write_national_workbook  # openpyxl

        write_national_workbook(partial_book, _sheets(national, figures, csv_path.name))
    except BaseException:
        for partial in (partial_csv, partial_book):
            partial.unlink(missing_ok=True)
        raise
    partial_book.replace(workbook_path)
    partial_csv.replace(csv_path)
    with transaction(national.db):
        store.journal(
            now_iso(), current_actor(), "synthesis",
            {"file": workbook_path.name, "contributions": figures.total, "taxonomy": taxonomy.version},
        )  # fmt: skip
    heard = sum(1 for c in figures.communes.values() if c["heard"])
    return NationalSynthesis(
        workbook_path, csv_path, figures.total, len(figures.by_department), heard, taxonomy.version,
        round(time.monotonic() - started, 2), dict(figures.by_theme),
    )  # fmt: skip


def _stream(
    national: National, taxonomy_path: Path | None, figures: _Figures, out: Any, progress: Progress | None
) -> None:
    """One pass: workers each read a range of communes, classify and write their CSV lines;
    this process writes the lines in order and adds up what they counted."""
    ranges: list[tuple[str, str]] = []
    first, rows, total = None, 0, 0
    for insee, count in national.store.live_by_commune():
        first, rows, total = first or insee, rows + count, total + count
        if rows >= BATCH_ROWS:
            ranges.append((first, insee))
            first, rows = None, 0
    if first is not None:
        ranges.append((first, insee))
    parts = ordered_map(
        ranges, lambda r: r, _read, total=total, batch=1, all_cores=True, initializer=_start,
        initargs=(str(national.workspace.db_path), str(taxonomy_path) if taxonomy_path else None),
    )  # fmt: skip
    out.write(BOM + csv_line(CSV_HEADER))
    done = 0
    try:
        for _, part in parts:
            out.write(part.csv)
            figures.tally.merge(part.tally)
            done += part.rows
            if progress:
                progress(done, total)
    finally:
        _stop()
    figures.sum_up()


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}".replace(".", ",") if whole else "—"


def _sheets(national: National, figures: _Figures, csv_name: str) -> list[Sheet]:
    """What the workbook says, sheet by sheet (aggregates only: every text is in the CSV)."""
    taxonomy, total = figures.taxonomy, figures.total
    status = national.status()
    communes = list(figures.communes.values())
    heard = [c for c in communes if c["heard"]]
    silent = [c for c in communes if c["listed"] and not c["heard"]]
    themes = sorted(figures.by_theme.items(), key=lambda item: (-item[1], item[0]))
    officials: Counter[str] = Counter()
    for theme, count in figures.by_theme.items():
        official = taxonomy.official_of(theme)
        officials[
            taxonomy.officials.get(official or "", "") or "Thèmes ruraux et autres (hors thèmes officiels)"
        ] += count
    summary: list[list[Any]] = [
        [f"Synthèse nationale des cahiers de doléances — {national.name}"],
        [
            "Départements entendus",
            len(status["heard"]),
            f"sur {len(status['heard']) + len(status['silent'])}",
        ],
        ["Communes entendues", len(heard)],
        ["Habitants des communes entendues", sum(c["population"] or 0 for c in heard)],
        ["Communes sans envoi (listes des associations)", len(silent)],
        ["Contributions", total],
        [],
        ["Thème", "Contributions", "Part"],
        *([taxonomy.label(t), n, _share(n, total)] for t, n in themes),
        [],
        ["Thème officiel du Grand Débat (2019)", "Contributions", "Part"],
        *([label, n, _share(n, total)] for label, n in officials.most_common()),
    ]
    theme_ids = [t for t, _ in themes]
    by_department: list[list[Any]] = [
        ["Département", "Association", "Communes listées", "Communes entendues", "Communes sans envoi",
         "Habitants entendus", "Habitants sans envoi", "Contributions", "État",
         *(taxonomy.label(t) for t in theme_ids)],
        *([d["department"], d["association"] or "", d["coverage"].get("listed"), d["communes_heard"],
           d["coverage"].get("silent"), d["coverage"].get("inhabitants_heard"),
           d["coverage"].get("inhabitants_silent"), d["contributions"], d["state"],
           *(figures.by_department.get(d["department"], Counter())[t] for t in theme_ids)]
          for d in status["departments"]),
    ]  # fmt: skip
    sizes = Counter(figures.size_of(c["insee"]) for c in heard)
    by_size: list[list[Any]] = [
        ["Taille de la commune (habitants)", "Communes entendues", "Contributions", "Part des contributions"],
        *([label, sizes[label], figures.by_size[label], _share(figures.by_size[label], total)]
          for label in [*(label for _, label in SIZES), UNKNOWN_SIZE]),
    ]  # fmt: skip
    quotes: list[list[Any]] = [["Thème", "Département", "Commune", "Date", "Texte"]]
    for theme in theme_ids:
        for department, commune, written, text in figures.quoted(theme):
            quotes.append([taxonomy.label(theme), department, commune, written, text])
    method = _method_rows(taxonomy, total, csv_name)
    return [
        Sheet("Synthèse", summary, [48, 16, 12], header_rows=()),
        Sheet("Par département", by_department, [12, 36, 12, 12, 12, 14, 14, 14, 12] + [12] * len(theme_ids)),
        Sheet("Par taille de commune", by_size, [34, 20, 16, 22]),
        Sheet("Textes représentatifs", quotes, [26, 12, 28, 12, 90], wrap=4),
        Sheet("Méthode", method, [28, 100], header_rows=(), wrap=1),
    ]


def _method_rows(taxonomy: Taxonomy, total: int, csv_name: str) -> list[list[Any]]:
    """The « Méthode » sheet: how the figures were made, where every text is."""
    return [
        ["Méthode"],
        ["Classement", f"Même classeur explicable que les associations : taxonomie « {taxonomy.title} », "
         f"version {taxonomy.version} ; les mots et expressions de chaque thème sont comptés dans le texte, "
         "le thème le plus fort est le thème principal ; les corrections des associations priment."],
        ["Textes représentatifs", f"Pour chaque thème, les {QUOTES} textes de {QUOTE_MIN} à {QUOTE_MAX} "
         "caractères où le thème est le plus marqué, un par département au plus ; textes tels que les "
         "communes les ont masqués."],
        ["Taille des communes", "Population des listes des associations, à défaut celle du Code officiel "
         f"géographique que mairie embarque ({source()})."],
        ["Provenance", "Chaque contribution garde son paquet départemental (envoi_departement) et le paquet "
         "de sa commune (envoi_commune), vérifiés par signature à chaque étape."],
        ["Toutes les contributions", f"{total} contributions dans « {csv_name} » (CSV UTF-8, une ligne par "
         "contribution) : un classeur ne peut en contenir plus de 1 048 576 lignes par feuille, rien n'est "
         "tronqué dans le CSV."],
        ["Établie le", date.today().strftime("%d/%m/%Y")],
    ]  # fmt: skip
