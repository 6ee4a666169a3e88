"""The departmental synthesis: every contribution classified, near-duplicates grouped, the
workbook and the open-data CSV written in one streaming pass over the association's base.

Classification and the near-duplicate sketches are pure-Python work per contribution: for a
large department they run in worker processes while this process writes the workbook.
Corrections made by the association (« mairie asso theme ») always win over the classifier.
What the workbook says about the figures is ``report``; the SQL is in ``storage``.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.csvtext import BOM, csv_line, no_formula
from mairie_cli.dates import format_fr
from mairie_cli.errors import InvalidValue, UnknownContribution
from mairie_cli.models import Nature
from mairie_cli.parallel import ordered_map
from mairie_cli.privacy.detect import Detector
from mairie_cli.services.association import report
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

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "workbook": str(self.workbook), "csv": str(self.csv)}


# -- worker side ------------------------------------------------------------------------------

_classifier: Classifier | None = None
_detector: Detector | None = None


def _start(taxonomy_path: str | None) -> None:
    global _classifier, _detector
    _classifier = Classifier(load(Path(taxonomy_path) if taxonomy_path else None))
    _detector = Detector()


#: What a worker sends back per text: main theme, secondary themes, the words that decided
#: each of them, near-duplicate sketch, and the personal data the association's own check still
#: finds (kind, rule, text). Plain tuples: they cross the process boundary.
_SPOOL_BATCH = 1000
#: What the first pass keeps per text for the second: main theme, secondary themes, the words
#: that decided, near-duplicate group, personal data found.
_Kept = tuple[str, tuple[str, ...], dict[str, list[str]], int, tuple[tuple[str, str, str], ...]]
_Found = tuple[str, tuple[str, ...], dict[str, list[str]], tuple[int, ...], tuple[tuple[str, str, str], ...]]


def _classify_batch(texts: list[str]) -> list[_Found]:
    assert _classifier is not None and _detector is not None
    found = []
    for text in texts:
        tokens = words(text)  # cut once, for the themes and for the sketch
        result = _classifier.classify_words([t for t in tokens if t not in STOP_WORDS])
        personal = tuple((s.kind, s.rule, s.text) for s in _detector.find(text))
        found.append((result.main, result.secondary, result.triggers, sketch_words(tokens), personal))
    return found


# -- the synthesis ----------------------------------------------------------------------------


def build_synthesis(
    association: Association,
    workbook_path: Path | None = None,
    csv_path: Path | None = None,
    *,
    taxonomy_path: Path | None = None,
    progress: Progress | None = None,
) -> SynthesisResult:
    """Write the synthesis workbook and the open-data CSV; returns what they hold."""
    from mairie_cli.synthesis.workbook import SynthesisWorkbook

    started = time.monotonic()
    taxonomy = load(taxonomy_path)
    workbook_path, csv_path = _targets(association, workbook_path, csv_path)
    store = association.synthesis
    theme_ids = [t.id for t in taxonomy.themes] + [TO_CLASSIFY]
    lines = _Lines(taxonomy, theme_ids)
    setting = report.Setting(
        association.department, taxonomy, store.pages_to_type(), store.included_bundles()
    )
    figures = report.Figures(association.store.communes(), association.store.successors())
    partial_csv = csv_path.with_name(f".{csv_path.name}.partiel")
    partial_book = workbook_path.with_name(f".{workbook_path.name}.partiel")
    book: SynthesisWorkbook | None = None
    try:
        # Two passes over the base. The first classifies every text in worker processes,
        # groups the near-duplicates and spools what it found to a temporary file (memory
        # stays flat); the second writes the sheets and the CSV, knowing by then which texts
        # belong to a group and which themes have texts (an empty theme gets no sheet).
        with tempfile.TemporaryFile(prefix="mairie-synthese-") as spool:
            held = _classify_all(association, taxonomy_path, lines, figures, spool, progress)
            spool.seek(0)
            themes = [(t, label) for t, label in lines.labels.items() if figures.mains[t]]
            book = SynthesisWorkbook(themes, report.title(setting), to_check=held > 0)
            with partial_csv.open("w", encoding="utf-8", newline="") as out:
                to_check = _write_all(association, lines, figures, book, out, _spooled(spool), progress)
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
        book.write_method(report.method(figures, setting, workbook_path.name, csv_path.name) + kept_out)
        book.save(partial_book)
    except BaseException:  # nothing half-written is left behind, not even openpyxl's temporary files
        if book is not None:
            book.discard()
        partial_csv.unlink(missing_ok=True)
        partial_book.unlink(missing_ok=True)
        raise
    partial_book.replace(workbook_path)
    partial_csv.replace(csv_path)
    with transaction(association.db):
        association.store.journal(
            now_iso(), current_actor(), "synthesis",
            {"file": workbook_path.name, "contributions": figures.total, "taxonomy": taxonomy.version},
        )  # fmt: skip
    return SynthesisResult(
        workbook_path, csv_path, figures.total, figures.mains[TO_CLASSIFY], figures.groups.groups(),
        figures.groups.grouped(), figures.heard(), len(figures.silent()), taxonomy.version,
        round(time.monotonic() - started, 2), {t: figures.mains[t] for t in theme_ids}, to_check,
    )  # fmt: skip


def _targets(association: Association, workbook: Path | None, csv: Path | None) -> tuple[Path, Path]:
    """Where the workbook and the CSV go, checked before any work is done."""
    folder = association.workspace.syntheses_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"synthese-{association.department}-{date.today().isoformat()}"
    workbook = workbook or folder / f"{stem}.xlsx"
    csv = csv or workbook.with_suffix(".csv")
    if workbook.suffix.lower() != ".xlsx":
        raise InvalidValue(f"Le classeur doit porter l'extension .xlsx (« {workbook.name} »).")
    if csv.resolve() == workbook.resolve():
        raise InvalidValue("Le fichier CSV et le classeur doivent être deux fichiers différents.")
    for target in (workbook, csv):
        if not target.parent.is_dir():
            raise InvalidValue(
                f"Le dossier « {target.parent} » n'existe pas : créez-le ou choisissez-en un autre."
            )
    return workbook, csv


def _classify_all(
    association: Association, taxonomy_path: Path | None, lines: _Lines, figures: report.Figures,
    spool: IO[bytes], progress: Progress | None,
) -> int:  # fmt: skip
    """Classify, group and check every text; returns how many the association must check (personal
    data still found, and the text not released as it is)."""
    store = association.synthesis
    total = store.count_live()
    releases = store.releases()
    held = 0
    overrides = {}
    for insee, uuid, themes in store.theme_overrides():
        if all(t in lines.labels for t in themes):  # a theme another taxonomy had cannot be applied
            overrides[(insee, uuid)] = (themes[0], themes[1:])
    results = ordered_map(
        store.rows(), lambda r: r.text, _classify_batch, total=total,
        initializer=_start, initargs=(str(taxonomy_path) if taxonomy_path else None,),
    )  # fmt: skip
    batch: list[_Kept] = []
    for number, (row, (found, also, triggers, signature, personal)) in enumerate(results, start=1):
        main, secondary = overrides.get((row.insee, row.uuid), (found, also))
        group = figures.groups.add_sketch(number, signature)
        figures.add(row, main, secondary, group)
        if personal and releases.get((row.insee, row.uuid)) != row.version:
            held += 1
        else:
            personal = ()
        batch.append((main, secondary, triggers, group, personal))
        if len(batch) == _SPOOL_BATCH:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
            if progress:
                progress(number, 2 * total)
    pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
    return held


def _spooled(spool: IO[bytes]) -> Iterator[_Kept]:
    while True:
        try:
            batch = pickle.load(spool)  # noqa: S301 -- our own temporary file, written just above
        except EOFError:
            return
        yield from batch


def _write_all(
    association: Association, lines: _Lines, figures: report.Figures, book: Any, out: Any,
    kept: Iterator[_Kept], progress: Progress | None,
) -> int:  # fmt: skip
    """Write every contribution to its sheets and, unless held for checking, to the CSV."""
    total = figures.total
    to_check = 0
    out.write(BOM + csv_line(CSV_HEADER))
    for number, (row, (main, secondary, triggers, group, personal)) in enumerate(
        zip(association.synthesis.rows(), kept, strict=True), start=1
    ):
        shown = group if figures.groups.size(group) > 1 else None  # « Groupe » only for grouped texts
        listed, in_theme, open_data = lines.of(row, main, secondary, triggers, shown)
        book.add_contribution(listed, main, in_theme)
        if personal:
            seen = "; ".join(f"{kind} « {text} » ({rule})" for kind, rule, text in personal)
            book.add_to_check([listed[0], row.uuid, seen, row.text])
            to_check += 1
        else:
            out.write(csv_line(open_data))
        if progress and number % 1000 == 0:
            progress(total + number, 2 * total)
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
