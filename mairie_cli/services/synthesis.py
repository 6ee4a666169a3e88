"""The departmental synthesis: every contribution classified, near-duplicates grouped, the
workbook and the open-data CSV written in one streaming pass over the association's base.

Classification and the near-duplicate sketches are pure-Python work per contribution: for a
large department they run in worker processes while this process writes the workbook.
Corrections made by the association (« mairie asso theme ») always win over the classifier.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli import __version__
from mairie_cli.bundle.records import csv_line, no_formula
from mairie_cli.dates import format_fr
from mairie_cli.errors import InvalidValue, UnknownContribution
from mairie_cli.models import Nature
from mairie_cli.parallel import ordered_map
from mairie_cli.services.association import Association
from mairie_cli.services.register import current_actor, now_iso
from mairie_cli.storage.database import transaction
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.duplicates import Grouper, sketch_words
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy, load
from mairie_cli.textnorm import STOP_WORDS, words

CSV_HEADER = [
    "commune_insee",
    "commune",
    "cahier",
    "date",
    "nature",
    "theme_principal",
    "themes_secondaires",
    "theme_officiel",
    "groupe_quasi_doublons",
    "texte",
]
#: Commune sizes for the « à classer » share (the 2019 studies found villages « hors grille »).
SIZES = [
    (0, 500, "moins de 500 habitants"),
    (500, 2000, "500 à 1 999"),
    (2000, 10000, "2 000 à 9 999"),
    (10000, 10**9, "10 000 et plus"),
]
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

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "workbook": str(self.workbook), "csv": str(self.csv)}


# -- worker side ------------------------------------------------------------------------------

_classifier: Classifier | None = None


def _start(taxonomy_path: str | None) -> None:
    global _classifier
    _classifier = Classifier(load(Path(taxonomy_path) if taxonomy_path else None))


#: What a worker sends back per text: main theme, secondary themes, the words that decided
#: each of them, near-duplicate sketch. Plain tuples: they cross the process boundary.
_Found = tuple[str, tuple[str, ...], dict[str, list[str]], tuple[int, ...]]


def _classify_batch(texts: list[str]) -> list[_Found]:
    assert _classifier is not None
    found = []
    for text in texts:
        tokens = words(text)  # cut once, for the themes and for the sketch
        result = _classifier.classify_words([t for t in tokens if t not in STOP_WORDS])
        found.append((result.main, result.secondary, result.triggers, sketch_words(tokens)))
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
    folder = association.workspace.syntheses_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"synthese-{association.department}-{date.today().isoformat()}"
    workbook_path = workbook_path or folder / f"{stem}.xlsx"
    csv_path = csv_path or workbook_path.with_suffix(".csv")
    if workbook_path.suffix.lower() != ".xlsx":
        raise InvalidValue(f"Le classeur doit porter l'extension .xlsx (« {workbook_path.name} »).")
    if csv_path.resolve() == workbook_path.resolve():
        raise InvalidValue("Le fichier CSV et le classeur doivent être deux fichiers différents.")
    for target in (workbook_path, csv_path):
        if not target.parent.is_dir():
            raise InvalidValue(
                f"Le dossier « {target.parent} » n'existe pas : créez-le ou choisissez-en un autre."
            )
    db = association.db
    total = int(db.execute("SELECT count(*) FROM contributions WHERE deleted_at IS NULL").fetchone()[0])
    theme_ids = [t.id for t in taxonomy.themes] + [TO_CLASSIFY]
    rows_of = _Rows(taxonomy, theme_ids)
    book = SynthesisWorkbook(list(rows_of.labels.items()))
    stats = _Stats(taxonomy, association.store.communes(), association.store.successors())
    grouper = Grouper()
    overrides = {}
    for insee, uuid, main, secondary in db.execute(
        "SELECT insee, uuid, main, secondary FROM theme_overrides"
    ):
        themes = (main, *json.loads(secondary))
        if all(t in rows_of.labels for t in themes):  # a theme another taxonomy had cannot be applied
            overrides[(insee, uuid)] = (themes[0], themes[1:])
    # One pass: themes and sketches come back from the workers in order while this process
    # writes the sheets and the CSV.
    results = ordered_map(
        _rows(db), lambda r: r["text"], _classify_batch, total=total,
        initializer=_start, initargs=(str(taxonomy_path) if taxonomy_path else None,),
    )  # fmt: skip
    temporary = csv_path.with_name(f".{csv_path.name}.partiel")
    partial = workbook_path.with_name(f".{workbook_path.name}.partiel")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as out:
            out.write("\ufeff" + csv_line(CSV_HEADER))
            for number, (row, (found, also, triggers, signature)) in enumerate(results, start=1):
                main, secondary = overrides.get((row["insee"], row["uuid"]), (found, also))
                group = grouper.add_sketch(number, signature)
                stats.add(row, main, secondary, group)
                if group != number and grouper.size(group) == 2:
                    stats.excerpts[group] = row["text"][:160]
                listed, in_theme, open_data = rows_of.lines(row, main, secondary, triggers, group)
                book.add_contribution(listed, main, in_theme)
                out.write(csv_line(open_data))
                if progress and number % 1000 == 0:
                    progress(number, total)
        stats.groups = grouper
        book.write_summary(*stats.summary(association))
        book.write_method(stats.method(association, taxonomy, workbook_path.name, csv_path.name))
        book.save(partial)
    except BaseException:  # nothing half-written is left behind, not even openpyxl's temporary files
        book.discard()
        temporary.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
        raise
    partial.replace(workbook_path)
    temporary.replace(csv_path)
    with transaction(db):
        association.store.journal(
            now_iso(),
            current_actor(),
            "synthesis",
            {"file": workbook_path.name, "contributions": stats.total, "taxonomy": taxonomy.version},
        )
    return SynthesisResult(
        workbook_path,
        csv_path,
        stats.total,
        stats.mains[TO_CLASSIFY],
        grouper.groups(),
        grouper.grouped(),
        stats.heard(),
        len(stats.silent()),
        taxonomy.version,
        round(time.monotonic() - started, 2),
        {t: stats.mains[t] for t in theme_ids},
    )


class _Rows:
    """What one contribution becomes: its « Contributions » row, its theme sheet row, its CSV
    line (labels looked up once, not per contribution)."""

    def __init__(self, taxonomy: Taxonomy, theme_ids: list[str]) -> None:
        self.labels = {t: taxonomy.label(t) for t in theme_ids}
        self._officials = {t: taxonomy.officials.get(taxonomy.official_of(t) or "", "") for t in theme_ids}
        self._natures = {n.value: n.label for n in Nature}
        self._communes: dict[str, str] = {}

    def lines(
        self, row: dict[str, Any], main: str, secondary: tuple[str, ...], triggers: dict[str, list[str]],
        group: int,
    ) -> tuple[list[Any], list[Any], list[str]]:  # fmt: skip
        labels = self.labels
        deciding = "; ".join(
            f"{labels[t]} : {', '.join(triggers[t])}" for t in (main, *secondary) if triggers.get(t)
        )
        others = ", ".join(labels[t] for t in secondary)
        written = format_fr(row["written_on"])
        nature = self._natures[row["nature"]]
        insee = row["insee"]
        commune = self._communes.get(insee) or self._communes.setdefault(
            insee, f"{insee} {row['commune'] or ''}".strip()
        )
        text = row["text"]
        return (
            [commune, row["cahier"], written, nature, labels[main], others, deciding, group, text,
             row["uuid"]],
            [commune, text],
            [insee, no_formula(row["commune"] or ""), no_formula(row["cahier"] or ""), written, nature,
             labels[main], others, self._officials[main], str(group), no_formula(text)],
        )  # fmt: skip


def _rows(db: Any) -> Iterator[dict[str, Any]]:
    cursor = db.execute(
        "SELECT c.insee, m.name, k.title, c.written_on, c.nature, c.text, c.uuid "
        "FROM contributions c LEFT JOIN communes m ON m.insee = c.insee "
        "LEFT JOIN cahiers k ON k.insee = c.insee AND k.id = c.cahier_id "
        "WHERE c.deleted_at IS NULL ORDER BY c.insee, c.cahier_id, c.position"
    )
    for insee, name, cahier, written, nature, text, uuid in cursor:
        yield {
            "insee": insee,
            "commune": name,
            "cahier": cahier,
            "written_on": written,
            "nature": nature,
            "text": text,
            "uuid": uuid,
        }


class _Stats:
    """The counts of the summary and of the « Méthode » sheet, gathered as rows go by."""

    def __init__(
        self, taxonomy: Taxonomy, communes: list[dict[str, Any]], successors: dict[str, str]
    ) -> None:
        self.taxonomy = taxonomy
        self.successors = successors  # old code of a merged commune -> its commune today
        self.populations = {c["insee"]: c["population"] for c in communes if c["population"] is not None}
        #: The department's communes today (read once; not those merged since into another).
        self.listed = [c for c in communes if c["listed"] and c["insee"] not in successors]
        self.total = 0
        self.mains: Counter[str] = Counter()
        self.secondaries: Counter[str] = Counter()
        self.distinct: dict[str, set[int]] = defaultdict(set)  # theme -> near-duplicate groups
        self.natures: Counter[str] = Counter()
        self.by_commune: dict[str, list[Any]] = {}  # insee -> [name, count, to classify]
        self.groups: Grouper | None = None
        self.excerpts: dict[int, str] = {}  # near-duplicate group -> the text of its second member

    def add(self, row: dict[str, Any], main: str, secondary: tuple[str, ...], group: int) -> None:
        self.total += 1
        self.mains[main] += 1
        self.secondaries.update(secondary)
        self.distinct[main].add(group)
        self.natures[row["nature"]] += 1
        entry = self.by_commune.setdefault(row["insee"], [row["commune"], 0, 0])
        entry[1] += 1
        entry[2] += main == TO_CLASSIFY

    def current(self, insee: str) -> str:
        """The commune a code stands for today (a commune merged since 2019 may send under its
        old code)."""
        return self.successors.get(insee, insee)

    def heard_codes(self) -> set[str]:
        return {self.current(insee) for insee in self.by_commune}

    def heard(self) -> int:
        return len(self.heard_codes())

    def silent(self) -> list[dict[str, Any]]:
        heard = self.heard_codes()
        return [c for c in self.listed if c["insee"] not in heard]

    def population(self, insee: str) -> int | None:
        """Inhabitants of the commune a code stands for today, if known."""
        return self.populations.get(self.current(insee))

    def coverage(self, association: Association) -> str:
        listed = self.listed
        heard_codes = self.heard_codes()
        heard_population = sum(self.populations.get(code) or 0 for code in heard_codes)
        total_population = sum(c["population"] or 0 for c in listed)
        pages = sum(c["pages_to_type"] or 0 for c in self._pages(association))
        heard = f"{len(heard_codes)} commune(s) entendue(s)"
        if listed:
            heard += f" sur {len(listed)} de la liste du département ({len(self.silent())} sans envoi)"
        parts = [heard]
        if total_population:
            parts.append(
                f"{heard_population} habitants sur {total_population} "
                f"({heard_population / total_population:.0%})"
            )
        parts.append(f"{pages} page(s) manuscrite(s) pas encore tapée(s) dans les communes")
        parts.append(f"{self.mains[TO_CLASSIFY]} contribution(s) « à classer »")
        return " ; ".join(parts) + "."

    @staticmethod
    def _pages(association: Association) -> list[dict[str, Any]]:
        cursor = association.db.execute("SELECT insee, pages_to_type FROM communes")
        return [{"insee": r[0], "pages_to_type": r[1]} for r in cursor]

    def summary(
        self, association: Association
    ) -> tuple[list[tuple[str, list[str], list[list[Any]], bool]], list[str]]:
        taxonomy = self.taxonomy
        intro = [
            f"Synthèse des cahiers de doléances — département {association.department}",
            f"Établie le {date.today().strftime('%d/%m/%Y')} par mairie {__version__}, "
            f"taxonomie {taxonomy.version}.",
            f"Couverture : {self.coverage(association)}",
            f"{self.total} contribution(s) ; les quasi-doublons (pétitions, lettres types) sont comptés "
            "une fois dans la colonne « comptées une fois », avec la taille de leur groupe dans l'onglet "
            "Contributions.",
        ]
        theme_rows = [
            [
                taxonomy.label(t.id),
                self.mains[t.id],
                len(self.distinct[t.id]),
                self.secondaries[t.id],
                taxonomy.officials[t.official],
                _share(self.mains[t.id], self.total),
            ]
            for t in sorted(taxonomy.themes, key=lambda t: -self.mains[t.id])
        ] + [
            [
                "À classer",
                self.mains[TO_CLASSIFY],
                len(self.distinct[TO_CLASSIFY]),
                0,
                "",
                _share(self.mains[TO_CLASSIFY], self.total),
            ]
        ]
        official_rows = []
        for official, label in taxonomy.officials.items():
            count = sum(self.mains[t.id] for t in taxonomy.themes if t.official == official)
            official_rows.append([label, count, _share(count, self.total)])
        nature_rows = [[Nature(n).label, c, _share(c, self.total)] for n, c in self.natures.most_common()]
        commune_rows = [
            [
                f"{insee} {v[0] or ''}".strip()
                + (f" (aujourd'hui {self.current(insee)})" if self.current(insee) != insee else ""),
                v[1],
                v[2],
                population if (population := self.population(insee)) is not None else "inconnue",
            ]
            for insee, v in sorted(self.by_commune.items())
        ]
        blocks = [
            (
                "Contributions par thème principal",
                [
                    "Thème",
                    "Contributions",
                    "Comptées une fois",
                    "En thème secondaire",
                    "Thème officiel (2019)",
                    "Part",
                ],
                theme_rows,
                True,
            ),
            (
                "Par thème officiel du Grand Débat",
                ["Thème officiel", "Contributions", "Part"],
                official_rows,
                True,
            ),
            ("Par nature", ["Nature", "Contributions", "Part"], nature_rows, True),
            ("Par commune", ["Commune", "Contributions", "À classer", "Habitants"], commune_rows, False),
        ]
        if self.groups is not None and self.groups.sizes:
            largest = sorted(self.groups.sizes.items(), key=lambda item: (-item[1], item[0]))[:200]
            blocks.append((
                "Quasi-doublons (pétitions, lettres types) : un groupe compte une fois",
                ["Groupe (n° de son premier texte)", "Textes", "Extrait"],
                [[g, size, self.excerpts.get(g, "")] for g, size in largest],
                False,
            ))  # fmt: skip
        return blocks, intro

    def method(
        self, association: Association, taxonomy: Taxonomy, workbook: str, csv: str
    ) -> list[tuple[str, Any]]:
        from mairie_cli.synthesis import classify

        lines: list[tuple[str, Any]] = [
            ("Méthode", None),
            ("Date", date.today().strftime("%d/%m/%Y")),
            ("Outil", f"mairie {__version__}"),
            ("Taxonomie", f"{taxonomy.title} — version {taxonomy.version} ({taxonomy.source})"),
            (
                "Classement",
                "Listes de mots et d'expressions par thème, sans accents ni majuscules, mots ramenés à "
                "leur racine (Snowball, français). Un mot compte une fois par contribution ; une "
                "expression compte double ; un mot partagé par plusieurs thèmes compte pour chacun en "
                "proportion. Le thème officiel est choisi sur la somme des thèmes qui en relèvent, puis "
                "le thème principal parmi eux. Un thème secondaire doit atteindre la moitié du principal. "
                f"En dessous de {classify.THRESHOLD:g} point : « à classer ». Les mots qui ont décidé sont "
                "écrits à côté de chaque contribution. Les corrections de l'association priment.",
            ),
            (
                "Quasi-doublons",
                "Textes dont les suites de 4 mots se recouvrent à 70 % au moins (estimation par "
                "esquisse) : un groupe compte une fois dans « comptées une fois ».",
            ),
            (
                "Données personnelles",
                "Les textes ont été masqués par les communes avant l'envoi ([NOM], "
                "[TÉLÉPHONE]…) ; les auteurs n'apparaissent pas.",
            ),
            ("Fichiers", f"{workbook} ; données ouvertes : {csv} (« ; », UTF-8)"),
            ("Couverture", None),
            ("Résumé", self.coverage(association)),
        ]
        sizes: dict[str, list[int]] = {label: [0, 0] for _, _, label in SIZES}
        sizes["population inconnue"] = [0, 0]
        for insee, (_, count, unclassified) in self.by_commune.items():
            population = self.population(insee)
            label = next(
                (lbl for low, high, lbl in SIZES if population is not None and low <= population < high),
                "population inconnue",
            )
            sizes[label][0] += count
            sizes[label][1] += unclassified
        lines.append(("Part « à classer » selon la taille de la commune", None))
        for label, (count, unclassified) in sizes.items():
            if count:
                lines.append((label, f"{unclassified} sur {count} ({_share(unclassified, count)})"))
        if self.groups is not None:
            lines.append(
                (
                    "Quasi-doublons",
                    f"{self.groups.groups()} groupe(s), {self.groups.grouped()} contribution(s) en tout",
                )
            )
        merged = sorted(insee for insee in self.by_commune if self.current(insee) != insee)
        if merged:
            lines.append(
                (
                    "Codes de communes fusionnées depuis (comptés pour leur commune d'aujourd'hui)",
                    ", ".join(f"{insee} → {self.current(insee)}" for insee in merged),
                )
            )
        silent = self.silent()
        if silent:
            lines.append(
                (
                    "Communes de la liste sans aucun envoi",
                    ", ".join(f"{c['insee']} {c['name'] or ''}".strip() for c in silent),
                )
            )
        lines.append(("Paquets inclus (commune, envoi, empreinte)", None))
        for insee, sequence, parts, digest, received in association.db.execute(
            "SELECT s.insee, s.sequence, s.parts, s.digest, max(p.received_at) FROM sequences s "
            "JOIN parts p ON p.insee = s.insee AND p.sequence = s.sequence GROUP BY s.insee, s.sequence "
            "ORDER BY s.insee, s.sequence"
        ):
            lines.append(
                (
                    f"{insee} n° {sequence} ({parts} partie(s), reçu le {format_fr(received)})",
                    digest or "incomplet : toutes les parties ne sont pas arrivées",
                )
            )
        return lines


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}".replace(".", ",") if whole else "—"


# -- the association's own decisions -------------------------------------------------------------


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
    prefix = ident.strip().lower()
    if len(prefix) < 4:
        raise UnknownContribution("Donnez au moins 4 caractères de l'identifiant (colonne « Identifiant »).")
    rows = association.db.execute(
        "SELECT insee, uuid FROM contributions WHERE uuid LIKE ? AND deleted_at IS NULL LIMIT 2",
        [prefix + "%"],
    ).fetchall()
    if not rows:
        raise UnknownContribution(f"Aucune contribution reçue n'a l'identifiant « {ident} ».")
    if len(rows) > 1:
        raise InvalidValue(
            f"« {ident} » désigne plusieurs contributions : donnez quelques caractères de plus."
        )
    insee, uuid = rows[0]
    with transaction(association.db):
        association.db.execute(
            "INSERT INTO theme_overrides (insee, uuid, main, secondary, at, actor) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (insee, uuid) DO UPDATE SET main = excluded.main, secondary = excluded.secondary, "
            "at = excluded.at, actor = excluded.actor",
            [insee, uuid, main, json.dumps(secondary), now_iso(), current_actor()],
        )
        association.store.journal(
            now_iso(), current_actor(), "theme", {"uuid": uuid, "main": main, "secondary": secondary}
        )
    return insee, uuid
