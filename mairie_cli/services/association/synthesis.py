"""The departmental synthesis: every contribution classified, near-duplicates grouped, the
workbook and the open-data CSV written in one streaming pass over the association's base.

Classification and the near-duplicate sketches are pure-Python work per contribution: for a
large department they run in worker processes while this process writes the workbook.
Corrections made by the association (« mairie asso theme ») always win over the classifier.
What the workbook says about the figures is ``report``; the SQL is in ``storage``.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.csvtext import BOM, csv_line, no_formula
from mairie_cli.dates import format_fr
from mairie_cli.errors import InvalidValue, UnknownContribution
from mairie_cli.files import synthesis_targets
from mairie_cli.models import Nature
from mairie_cli.parallel import ordered_map
from mairie_cli.privacy.detect import Detector
from mairie_cli.services.association import brief, report
from mairie_cli.services.association.workspace import Association
from mairie_cli.storage.association.synthesis import SynthesisRow
from mairie_cli.storage.database import transaction
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.duplicates import sketch_words
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy, load
from mairie_cli.textnorm import STOP_WORDS, words

CSV_HEADER = [
    "commune_insee", "commune", "cahier", "date", "nature", "theme_principal", "themes_secondaires",
    "theme_officiel", "groupe_quasi_doublons", "texte",
]  # fmt: skip
Progress = Callable[[int, int], None]


@dataclass
class SynthesisResult:
    workbook: Path
    csv: Path
    contributions: int = 0
    to_classify: int = 0
    groups: int = 0
    grouped: int = 0
    communes_heard: int = 0
    communes_silent: int = 0
    taxonomy: str = ""
    seconds: float = 0.0
    themes: dict[str, int] = field(default_factory=dict)
    to_check: int = 0  # texts kept out of the CSV until the association checks them
    reports: list[Path] = field(default_factory=list)  # the printable report: PDF, HTML

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__, "workbook": str(self.workbook), "csv": str(self.csv),
            "reports": [str(path) for path in self.reports],
        }  # fmt: skip


# -- worker side ------------------------------------------------------------------------------

_classifier: Classifier | None = None
_detector: Detector | None = None


def _start(taxonomy_path: str | None) -> None:
    global _classifier, _detector
    _classifier = Classifier(load(Path(taxonomy_path) if taxonomy_path else None))
    _detector = Detector()


#: What a worker sends back per text: main theme, secondary themes, the words that decided
#: each of them, the personal data the association's own check still finds (kind, rule, text),
#: and the main theme's score. Plain tuples: they cross the process boundary.
_Found = tuple[str, tuple[str, ...], dict[str, list[str]], tuple[tuple[str, str, str], ...], float]


def _classify_batch(texts: list[str]) -> list[_Found]:
    assert _classifier is not None and _detector is not None
    found = []
    for text in texts:
        result = _classifier.classify_words([t for t in words(text) if t not in STOP_WORDS])
        personal = tuple((s.kind, s.rule, s.text) for s in _detector.find(text))
        found.append(
            (result.main, result.secondary, result.triggers, personal, result.scores.get(result.main, 0.0))
        )
    return found


def _no_setup() -> None:
    """Sketching needs nothing prepared."""


def _sketch_batch(texts: list[str]) -> list[tuple[int, ...]]:
    return [sketch_words(words(text)) for text in texts]


# -- the synthesis ----------------------------------------------------------------------------


def build_synthesis(
    association: Association,
    workbook_path: Path | None = None,
    csv_path: Path | None = None,
    *,
    taxonomy_path: Path | None = None,
    progress: Progress | None = None,
    with_report: bool = False,
) -> SynthesisResult:
    """Write the synthesis workbook and the open-data CSV, and with ``with_report`` the
    printable report beside the workbook (PDF and HTML); returns what they hold."""
    from mairie_cli.synthesis.workbook import SynthesisWorkbook

    started = time.monotonic()
    taxonomy = load(taxonomy_path)
    workbook_path, csv_path = synthesis_targets(
        association.workspace.syntheses_dir, f"synthese-{association.department}-{date.today().isoformat()}",
        workbook_path, csv_path,
    )  # fmt: skip
    store = association.synthesis
    theme_ids = [t.id for t in taxonomy.themes] + [TO_CLASSIFY]
    lines = _Lines(taxonomy, theme_ids)
    setting = report.Setting(
        association.department, taxonomy, store.pages_to_type(), store.included_bundles()
    )
    figures = report.Figures(association.store.communes(), association.store.successors())
    partial_csv = csv_path.with_name(f".{csv_path.name}.partiel")
    partial_book = workbook_path.with_name(f".{workbook_path.name}.partiel")
    reports = [workbook_path.with_suffix(".pdf"), workbook_path.with_suffix(".html")] if with_report else []
    partial_reports = [path.with_name(f".{path.name}.partiel") for path in reports]
    book: SynthesisWorkbook | None = None
    quotes = brief.Quotes()
    try:
        # The near-duplicate groups first, on every core (a sketch per text): the sheets then
        # show a group only beside texts that have one. Then one pass where themes come back
        # from the workers in order while this process writes the sheets and the CSV.
        groups = _group_all(association, figures)
        book = SynthesisWorkbook(list(lines.labels.items()), report.title(setting))
        with partial_csv.open("w", encoding="utf-8", newline="") as out:
            to_check = _stream(
                association, taxonomy_path, lines, figures, groups, book, quotes, out, progress
            )
        _finish_book(book, figures, setting, to_check, workbook_path.name, csv_path.name)
        book.save(partial_book)
        if with_report:
            _write_report(brief.build(figures, setting, quotes, association.name), *partial_reports)
    except BaseException:  # nothing half-written is left behind, not even openpyxl's temporary files
        if book is not None:
            book.discard()
        for partial in [partial_csv, partial_book, *partial_reports]:
            partial.unlink(missing_ok=True)
        raise
    partial_book.replace(workbook_path)
    partial_csv.replace(csv_path)
    for partial, final in zip(partial_reports, reports, strict=True):
        partial.replace(final)
    with transaction(association.db):
        association.store.journal(
            now_iso(), current_actor(), "synthesis",
            {"file": workbook_path.name, "contributions": figures.total, "taxonomy": taxonomy.version},
        )  # fmt: skip
    return SynthesisResult(
        workbook_path, csv_path, figures.total, figures.mains[TO_CLASSIFY], figures.groups.groups(),
        figures.groups.grouped(), figures.heard(), len(figures.silent()), taxonomy.version,
        round(time.monotonic() - started, 2), {t: figures.mains[t] for t in theme_ids}, to_check, reports,
    )  # fmt: skip


def _finish_book(
    book: Any, figures: report.Figures, setting: report.Setting, to_check: int, workbook: str, csv: str
) -> None:
    """The sheets written once every contribution is in: summary, communes, bundles, method."""
    book.write_summary(*report.summary(figures, setting))
    for values in report.commune_rows(figures, setting.bundles):
        book.add_commune(values)
    for values in report.bundle_rows(setting.bundles):
        book.add_bundle(values)
    kept_out = [(
        "Textes retenus hors des données ouvertes",
        f"{to_check} : le contrôle de l'association y trouve encore des données personnelles (feuille "
        "« À vérifier ») ; « mairie asso confidentialite --publier ID » les y remet après vérification.",
    )]  # fmt: skip
    book.write_method(report.method(figures, setting, workbook, csv) + kept_out)


def _write_report(document: Any, pdf: Path, page: Path) -> None:
    """The printable report: matplotlib and fpdf2 are imported only here."""
    from mairie_cli.synthesis.brief import write_html
    from mairie_cli.synthesis.brief_pdf import write_pdf

    write_html(document, page)
    write_pdf(document, pdf)


def _group_all(association: Association, figures: report.Figures) -> array[int]:
    """The near-duplicate group of every text, in register order (the number of its group's
    first text), sketches computed by every core."""
    store = association.synthesis
    groups = array("q")
    sketches = ordered_map(
        store.rows(), lambda r: r.text, _sketch_batch, total=store.count_live(), initializer=_no_setup,
        all_cores=True,
    )  # fmt: skip
    for number, (_, signature) in enumerate(sketches, start=1):
        groups.append(figures.groups.add_sketch(number, signature))
    return groups


def _stream(
    association: Association, taxonomy_path: Path | None, lines: _Lines, figures: report.Figures,
    groups: array[int], book: Any, quotes: brief.Quotes, out: Any, progress: Progress | None,
) -> int:  # fmt: skip
    """One pass: themes come back from the workers in order while this process writes the
    sheets and the CSV. A text where personal data is still found is listed « À vérifier » and
    left out of the CSV until the association releases it; returns how many."""
    store = association.synthesis
    total = store.count_live()
    releases = store.releases()
    to_check = 0
    overrides = {}
    for insee, uuid, themes in store.theme_overrides():
        if all(t in lines.labels for t in themes):  # a theme another taxonomy had cannot be applied
            overrides[(insee, uuid)] = (themes[0], themes[1:])
    results = ordered_map(
        store.rows(), lambda r: r.text, _classify_batch, total=total,
        initializer=_start, initargs=(str(taxonomy_path) if taxonomy_path else None,),
    )  # fmt: skip
    out.write(BOM + csv_line(CSV_HEADER))
    for number, (row, (found, also, triggers, personal, score)) in enumerate(results, start=1):
        main, secondary = overrides.get((row.insee, row.uuid), (found, also))
        group = groups[number - 1]
        figures.add(row, main, secondary, group)
        shown = group if figures.groups.size(group) > 1 else None  # « Groupe » only for grouped texts
        listed, in_theme, open_data = lines.of(row, main, secondary, triggers, shown)
        book.add_contribution(listed, main, in_theme)
        if personal and releases.get((row.insee, row.uuid)) != row.version:
            seen = "; ".join(f"{kind} « {text} » ({rule})" for kind, rule, text in personal)
            book.add_to_check([listed[0], row.uuid, seen, row.text])
            to_check += 1
        else:
            out.write(csv_line(open_data))
            quotes.offer(number, row, main, group, score if main == found else 0.0)
        if progress and number % 1000 == 0:
            progress(number, total)
    return to_check


class _Lines:
    """What one contribution becomes: its « Contributions » row, its theme sheet row, its CSV
    line (labels looked up once, not per contribution)."""

    def __init__(self, taxonomy: Taxonomy, theme_ids: list[str]) -> None:
        self.labels = {t: taxonomy.label(t) for t in theme_ids}
        self._officials = {t: taxonomy.officials.get(taxonomy.official_of(t) or "", "") for t in theme_ids}
        self._natures = {n.value: n.label for n in Nature}
        self._communes: dict[str, str] = {}

    def of(
        self, row: SynthesisRow, main: str, secondary: tuple[str, ...], triggers: dict[str, list[str]],
        group: int | None,
    ) -> tuple[list[Any], list[Any], list[str]]:  # fmt: skip
        labels = self.labels
        deciding = "; ".join(
            f"{labels[t]} : {', '.join(triggers[t])}" for t in (main, *secondary) if triggers.get(t)
        )
        others = ", ".join(labels[t] for t in secondary)
        written = format_fr(row.written_on)
        nature = self._natures[row.nature]
        insee = row.insee
        commune = self._communes.get(insee) or self._communes.setdefault(
            insee, f"{insee} {row.commune or ''}".strip()
        )
        text = row.text
        return (
            [commune, row.cahier, written, nature, labels[main], others, deciding, group, text, row.uuid],
            [commune, text],
            [insee, no_formula(row.commune or ""), no_formula(row.cahier or ""), written, nature,
             labels[main], others, self._officials[main], "" if group is None else str(group),
             no_formula(text)],
        )  # fmt: skip


# -- the association's own decisions -------------------------------------------------------------


def received(association: Association, ident: str) -> tuple[str, str]:
    """``(insee, uuid)`` of the live contribution an identifier (or its first characters) names."""
    prefix = ident.strip().lower()
    if len(prefix) < 4:
        raise UnknownContribution("Donnez au moins 4 caractères de l'identifiant (colonne « Identifiant »).")
    rows = association.synthesis.live_with_prefix(prefix)
    if not rows:
        raise UnknownContribution(f"Aucune contribution reçue n'a l'identifiant « {ident} ».")
    if len(rows) > 1:
        raise InvalidValue(
            f"« {ident} » désigne plusieurs contributions : donnez quelques caractères de plus."
        )
    return rows[0]


def set_theme(
    association: Association,
    ident: str,
    main: str,
    secondary: list[str],
    *,
    taxonomy_path: Path | None = None,
) -> tuple[str, str]:
    """Record the association's theme for a contribution (it wins over the classifier)."""
    taxonomy = load(taxonomy_path)
    for theme in [main, *secondary]:
        if theme != TO_CLASSIFY:
            taxonomy.theme(theme)
    insee, uuid = received(association, ident)
    with transaction(association.db):
        association.synthesis.set_theme(insee, uuid, main, secondary, now_iso(), current_actor())
        association.store.journal(
            now_iso(), current_actor(), "theme", {"uuid": uuid, "main": main, "secondary": secondary}
        )
    return insee, uuid
