"""The national synthesis: France's contributions classified by the same explainable classifier
and taxonomy as the departments', in one streaming pass over the federation's base.

At a million contributions a workbook of every text would exceed what a sheet holds (1,048,576
rows) and what anyone reads: the workbook holds aggregates (themes, official themes,
departments, sizes of commune, coverage) and a few representative texts per theme, chosen by a
stated rule; every contribution goes to the open-data CSV, written as it streams. The
associations' theme decisions win over the classifier, as at the association. The themes were
worked out when each contribution was received (``lines``); workers read ranges of communes
(``reading``); with ``with_report`` the printable report is drawn from the same figures
(``brief``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.communes import lookup, source
from mairie_cli.csvtext import BOM, csv_line
from mairie_cli.files import synthesis_targets
from mairie_cli.parallel import ordered_map
from mairie_cli.services.national import reading
from mairie_cli.services.national.brief import REPORT_QUOTE_MAX, REPORT_QUOTES, Overview
from mairie_cli.services.national.reading import QUOTE_MAX, QUOTE_MIN, QUOTES, Tally
from mairie_cli.services.national.workspace import National
from mairie_cli.storage.database import transaction
from mairie_cli.synthesis.brief import share
from mairie_cli.synthesis.national_workbook import Sheet
from mairie_cli.synthesis.taxonomy import Taxonomy, load
from mairie_cli.textnorm import words_key

CSV_HEADER = [
    "departement", "commune_insee", "commune", "envoi_departement", "envoi_commune", "date", "nature",
    "theme_principal", "themes_secondaires", "theme_officiel", "texte",
]  # fmt: skip
#: Sizes of commune by inhabitants (INSEE's legal population), the rural threshold at 3,500.
SIZES = ((0, "moins de 200"), (200, "200 à 499"), (500, "500 à 999"), (1000, "1 000 à 1 999"),
         (2000, "2 000 à 3 499"), (3500, "3 500 et plus"))  # fmt: skip
UNKNOWN_SIZE = "population inconnue"
#: Widths of the « Par département » columns before those of the themes.
_DEPARTMENT_WIDTHS = [12, 36, 12, 12, 12, 14, 14, 14, 14, 12]
Progress = Callable[[int, int], None]
#: Rows a worker reads, classifies and writes as CSV at a time (whole communes).
BATCH_ROWS = 2000


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
    reports: list[Path] = field(default_factory=list)  # the printable report: PDF, HTML

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__, "workbook": str(self.workbook), "csv": str(self.csv),
            "reports": [str(path) for path in self.reports],
        }  # fmt: skip


class _Figures:
    """Everything the workbook says: the workers' tallies added up, then summed by theme,
    department and size of commune."""

    def __init__(self, taxonomy: Taxonomy, communes: list[dict[str, Any]]) -> None:
        self.taxonomy = taxonomy
        # A population the association's list did not give is taken from the official list.
        self.communes = {c["insee"]: _with_population(c) for c in communes}
        self.tally = Tally()
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

    def quoted(self, theme: str, number: int, longest: int) -> list[tuple[str, str, str, str]]:
        """The representative texts of a theme: the best of each department, the best first, at
        most ``longest`` characters, a text sent by several departments (a national petition)
        quoted once."""
        chosen, seen = [], set()
        for _, _, quote in sorted(self.tally.quotes.get(theme, {}).values(), reverse=True):
            key = words_key(quote[3])[:200]
            if len(quote[3]) <= longest and key not in seen:
                chosen.append(quote)
                seen.add(key)
                if len(chosen) == number:
                    break
        return chosen

    def overview(self, national: National, csv_name: str) -> Overview:
        """What the workbook and the report say."""
        taxonomy = self.taxonomy
        themes = sorted(self.by_theme.items(), key=lambda item: (-item[1], item[0]))
        officials: Counter[str] = Counter()
        for theme, count in self.by_theme.items():
            official = taxonomy.officials.get(taxonomy.official_of(theme) or "", "")
            officials[official or "Thèmes ruraux et autres (hors thèmes officiels)"] += count
        communes = list(self.communes.values())
        heard = Counter(self.size_of(c["insee"]) for c in communes if c["heard"])
        return Overview(
            national.name, taxonomy, national.status(), communes, self.total, themes, officials.most_common(),
            self.by_department,
            [(label, heard[label], self.by_size[label]) for label in [*(s for _, s in SIZES), UNKNOWN_SIZE]],
            {theme: self.quoted(theme, QUOTES, QUOTE_MAX) for theme, _ in themes},
            {theme: self.quoted(theme, REPORT_QUOTES, REPORT_QUOTE_MAX) for theme, _ in themes},
            _method_rows(taxonomy, self.total, csv_name),
        )  # fmt: skip


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
    with_report: bool = False,
) -> NationalSynthesis:
    """Write the national workbook (aggregates, representative texts, method) and the open-data
    CSV of every contribution, and with ``with_report`` the printable report beside the workbook
    (PDF and HTML); returns what they hold."""
    started = time.monotonic()
    taxonomy = load(taxonomy_path)
    workbook_path, csv_path = synthesis_targets(
        national.workspace.syntheses_dir, f"synthese-nationale-{date.today().isoformat()}",
        workbook_path, csv_path,
    )  # fmt: skip
    store = national.store
    figures = _Figures(taxonomy, store.communes())
    reports = [workbook_path.with_suffix(".pdf"), workbook_path.with_suffix(".html")] if with_report else []
    partials = {path: path.with_name(f".{path.name}.partiel") for path in [csv_path, workbook_path, *reports]}
    try:
        with partials[csv_path].open("w", encoding="utf-8", newline="") as out:
            _stream(national, taxonomy_path, figures, out, progress)
        overview = figures.overview(national, csv_path.name)
        from mairie_cli.synthesis.national_workbook import write_national_workbook  # openpyxl

        write_national_workbook(partials[workbook_path], _sheets(overview))
        if with_report:  # matplotlib and fpdf2 are imported only here
            from mairie_cli.services.national.brief import build
            from mairie_cli.synthesis.brief import write_html
            from mairie_cli.synthesis.brief_pdf import write_pdf

            document = build(overview)
            write_pdf(document, partials[reports[0]])
            write_html(document, partials[reports[1]])
    except BaseException:
        for partial in partials.values():
            partial.unlink(missing_ok=True)
        raise
    for final, partial in partials.items():
        partial.replace(final)
    with transaction(national.db):
        store.journal(
            now_iso(), current_actor(), "synthesis",
            {"file": workbook_path.name, "contributions": figures.total, "taxonomy": taxonomy.version},
        )  # fmt: skip
    return NationalSynthesis(
        workbook_path, csv_path, figures.total, len(figures.by_department), len(overview.heard),
        taxonomy.version, round(time.monotonic() - started, 2), dict(figures.by_theme), reports,
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
        ranges, lambda r: r, reading.read, total=total, batch=1, all_cores=True, initializer=reading.start,
        initargs=(str(national.workspace.db_path), str(taxonomy_path) if taxonomy_path else None),
    )  # fmt: skip
    out.write(BOM + csv_line(CSV_HEADER))
    done = 0
    try:
        for _, part in parts:
            out.write(part.csv)
            figures.tally.merge(part.tally)
            if part.worked_out:  # themes of another version of the taxonomy: stored again, once
                with transaction(national.db):
                    national.store.store_themes(part.worked_out)
            done += part.rows
            if progress:
                progress(done, total)
    finally:
        reading.stop()
    figures.sum_up()


def _sheets(overview: Overview) -> list[Sheet]:
    """What the workbook says, sheet by sheet (aggregates only: every text is in the CSV)."""
    taxonomy, total, status = overview.taxonomy, overview.total, overview.status
    heard = overview.heard
    summary: list[list[Any]] = [
        [f"Synthèse nationale des cahiers de doléances — {overview.name}"],
        [
            "Départements entendus",
            len(status["heard"]),
            f"sur {len(status['heard']) + len(status['silent'])}",
        ],
        ["Communes entendues", len(heard)],
        ["Habitants des communes entendues", sum(c["population"] or 0 for c in heard)],
        ["Communes sans envoi (listes des associations)", len(overview.silent)],
        ["Pages manuscrites pas encore tapées dans les communes", overview.pages_to_type],
        ["Contributions", total],
        [],
        ["Thème", "Contributions", "Part"],
        *([taxonomy.label(t), n, share(n, total)] for t, n in overview.themes),
        [],
        ["Thème officiel du Grand Débat (2019)", "Contributions", "Part"],
        *([label, n, share(n, total)] for label, n in overview.officials),
    ]
    theme_ids = [t for t, _ in overview.themes]
    by_department: list[list[Any]] = [
        ["Département", "Association", "Communes listées", "Communes entendues", "Communes sans envoi",
         "Habitants entendus", "Habitants sans envoi", "Pages manuscrites à taper", "Contributions", "État",
         *(taxonomy.label(t) for t in theme_ids)],
        *([d["department"], d["association"] or "", d["coverage"].get("listed"), d["communes_heard"],
           d["coverage"].get("silent"), d["coverage"].get("inhabitants_heard"),
           d["coverage"].get("inhabitants_silent"), d["coverage"].get("pages_to_type"), d["contributions"],
           d["state"],
           *(overview.by_department.get(d["department"], Counter())[t] for t in theme_ids)]
          for d in status["departments"]),
    ]  # fmt: skip
    by_size: list[list[Any]] = [
        ["Taille de la commune (habitants)", "Communes entendues", "Contributions", "Part des contributions"],
        *([label, communes, n, share(n, total)] for label, communes, n in overview.sizes),
    ]
    quotes: list[list[Any]] = [["Thème", "Département", "Commune", "Date", "Texte"]]
    for theme in theme_ids:
        for department, commune, written, text in overview.quotes.get(theme, []):
            quotes.append([taxonomy.label(theme), department, commune, written, text])
    return [
        Sheet("Synthèse", summary, [48, 16, 12], header_rows=()),
        Sheet("Par département", by_department, _DEPARTMENT_WIDTHS + [12] * len(theme_ids)),
        Sheet("Par taille de commune", by_size, [34, 20, 16, 22]),
        Sheet("Textes représentatifs", quotes, [26, 12, 28, 12, 90], wrap=4),
        Sheet("Méthode", [["Méthode"], *([label, text] for label, text in overview.method)], [28, 100],
              header_rows=(), wrap=1),
    ]  # fmt: skip


def _method_rows(taxonomy: Taxonomy, total: int, csv_name: str) -> list[tuple[str, str]]:
    """The « Méthode » sheet: how the figures were made, where every text is."""
    return [
        ("Classement", f"Même classeur explicable que les associations : taxonomie « {taxonomy.title} », "
         f"version {taxonomy.version} ; les mots et expressions de chaque thème sont comptés dans le texte, "
         "le thème le plus fort est le thème principal ; les corrections des associations priment. Les "
         "thèmes sont établis une fois, à la réception de chaque contribution, et gardés avec "
         f"l'empreinte du fichier de taxonomie (ici {taxonomy.digest[:12]}…) : avec un autre fichier, "
         "tout est reclassé."),
        ("Textes représentatifs", f"Pour chaque thème, les {QUOTES} textes de {QUOTE_MIN} à {QUOTE_MAX} "
         "caractères où le thème est le plus marqué, un par département au plus, un texte envoyé par "
         "plusieurs départements (pétition nationale) une fois ; textes tels que les communes les ont "
         "masqués."),
        ("Taille des communes", "Population des listes des associations, à défaut celle du Code officiel "
         f"géographique que mairie embarque ({source()})."),
        ("Provenance", "Chaque contribution garde son paquet départemental (envoi_departement) et le paquet "
         "de sa commune (envoi_commune), vérifiés par signature à chaque étape."),
        ("Toutes les contributions", f"{total} contributions dans « {csv_name} » (CSV UTF-8, une ligne par "
         "contribution) : un classeur ne peut en contenir plus de 1 048 576 lignes par feuille, rien n'est "
         "tronqué dans le CSV."),
        ("Établie le", date.today().strftime("%d/%m/%Y")),
    ]  # fmt: skip
