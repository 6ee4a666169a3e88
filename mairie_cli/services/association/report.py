"""What the synthesis workbook says: the figures gathered as contributions go by, and the
French text of the « Synthèse » and « Méthode » sheets built from them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from mairie_cli import __version__
from mairie_cli.dates import format_fr
from mairie_cli.models import Nature
from mairie_cli.storage.association.synthesis import IncludedBundle, SynthesisRow
from mairie_cli.synthesis import classify
from mairie_cli.synthesis.brief import share
from mairie_cli.synthesis.duplicates import Grouper
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy

#: Commune sizes for the « à classer » share (the 2019 studies found villages « hors grille »).
SIZES = [
    (0, 500, "moins de 500 habitants"),
    (500, 2000, "500 à 1 999"),
    (2000, 10000, "2 000 à 9 999"),
    (10000, 10**9, "10 000 et plus"),
]

#: Near-duplicate groups listed in the « Synthèse » sheet (all are in « Contributions »).
LARGEST_GROUPS = 20
#: A block of the « Synthèse » sheet: title, header, rows, whether it gets a bar chart, whether
#: it starts a new printed page.
Block = tuple[str, list[str], list[list[Any]], bool, bool]


@dataclass
class Setting:
    """What the report says about where it comes from."""

    department: str
    taxonomy: Taxonomy
    pages_to_type: int  # handwritten pages the communes have not typed yet
    bundles: list[IncludedBundle]


class Figures:
    """The counts of the summary and of the « Méthode » sheet, gathered as rows go by."""

    def __init__(self, communes: list[dict[str, Any]], successors: dict[str, str]) -> None:
        self.successors = successors  # old code of a merged commune -> its commune today
        self.populations = {c["insee"]: c["population"] for c in communes if c["population"] is not None}
        #: The department's communes today (not those merged since into another).
        self.listed = [c for c in communes if c["listed"] and c["insee"] not in successors]
        self.total = 0
        self.mains: Counter[str] = Counter()
        self.secondaries: Counter[str] = Counter()
        self.distinct: dict[str, set[int]] = defaultdict(set)  # theme -> near-duplicate groups
        self.natures: Counter[str] = Counter()
        self.by_commune: dict[str, list[Any]] = {}  # insee -> [name, count, to classify]
        self.groups = Grouper()
        self.excerpts: dict[int, str] = {}  # near-duplicate group -> the text of its second member

    def add(self, row: SynthesisRow, main: str, secondary: tuple[str, ...], group: int) -> None:
        self.total += 1
        self.mains[main] += 1
        self.secondaries.update(secondary)
        self.distinct[main].add(group)
        self.natures[row.nature] += 1
        entry = self.by_commune.setdefault(row.insee, [row.commune, 0, 0])
        entry[1] += 1
        entry[2] += main == TO_CLASSIFY
        if group != self.total and group not in self.excerpts:  # the group's second text
            self.excerpts[group] = row.text[:160]

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

    def inhabitants(self) -> tuple[int, int]:
        """Inhabitants of the communes heard, and of the department's listed communes."""
        heard = sum(self.populations.get(code) or 0 for code in self.heard_codes())
        return heard, sum(c["population"] or 0 for c in self.listed)

    def by_official(self, taxonomy: Taxonomy) -> list[tuple[str, int]]:
        """Contributions per official theme of 2019 (label, count), in the taxonomy's order."""
        return [
            (label, sum(self.mains[t.id] for t in taxonomy.themes if t.official == official))
            for official, label in taxonomy.officials.items()
        ]


def coverage(figures: Figures, pages_to_type: int) -> str:
    """One sentence: communes and inhabitants heard, pages not typed, texts « à classer »."""
    listed = figures.listed
    heard_population, total_population = figures.inhabitants()
    heard = f"{figures.heard()} commune(s) entendue(s)"
    if listed:
        heard += f" sur {len(listed)} de la liste du département ({len(figures.silent())} sans envoi)"
    parts = [heard]
    if total_population:
        parts.append(
            f"{heard_population} habitants sur {total_population} ({heard_population / total_population:.0%})"
        )
    parts.append(f"{pages_to_type} page(s) manuscrite(s) pas encore tapée(s) dans les communes")
    parts.append(f"{figures.mains[TO_CLASSIFY]} contribution(s) « à classer »")
    return " ; ".join(parts) + "."


def summary(figures: Figures, setting: Setting) -> tuple[list[Block], list[str]]:
    """The « Synthèse » sheet: its introduction lines and its blocks of figures."""
    intro = [
        f"Synthèse des cahiers de doléances — département {setting.department}",
        f"Établie le {date.today().strftime('%d/%m/%Y')} par mairie {__version__}, "
        f"taxonomie {setting.taxonomy.version}.",
        f"Couverture : {coverage(figures, setting.pages_to_type)}",
        f"{figures.total} contribution(s) ; les quasi-doublons (pétitions, lettres types) sont comptés "
        "une fois dans la colonne « comptées une fois », avec la taille de leur groupe dans l'onglet "
        "Contributions.",
    ]
    theme_header = [
        "Thème", "Contributions", "Comptées une fois", "En thème secondaire", "Thème officiel (2019)", "Part",
    ]  # fmt: skip
    blocks: list[Block] = [
        (
            "Contributions par thème principal",
            theme_header,
            _theme_rows(figures, setting.taxonomy),
            True,
            False,
        ),
        (
            "Par thème officiel du Grand Débat",
            ["Thème officiel", "Contributions", "Part"],
            _official_rows(figures, setting.taxonomy),
            True,
            True,
        ),
        ("Par nature", ["Nature", "Contributions", "Part"], _nature_rows(figures), True, False),
    ]
    if figures.groups.sizes:
        largest = sorted(figures.groups.sizes.items(), key=lambda item: (-item[1], item[0]))[:LARGEST_GROUPS]
        more = (
            f" (les {LARGEST_GROUPS} plus grands ; tous dans la colonne « Groupe »)"
            if len(figures.groups.sizes) > LARGEST_GROUPS
            else ""
        )
        blocks.append((
            f"Quasi-doublons (pétitions, lettres types) : un groupe compte une fois{more}",
            ["Groupe (n° de son premier texte)", "Textes", "Extrait"],
            [[g, size, figures.excerpts.get(g, "")] for g, size in largest],
            False,
            True,
        ))  # fmt: skip
    return blocks, intro


def _theme_rows(figures: Figures, taxonomy: Taxonomy) -> list[list[Any]]:
    total = figures.total
    rows: list[list[Any]] = [
        [
            taxonomy.label(t.id),
            figures.mains[t.id],
            len(figures.distinct[t.id]),
            figures.secondaries[t.id],
            taxonomy.officials[t.official],
            ratio(figures.mains[t.id], total),
        ]  # fmt: skip
        for t in sorted(taxonomy.themes, key=lambda t: -figures.mains[t.id])
    ]
    unclassified = figures.mains[TO_CLASSIFY]
    rows.append(
        ["À classer", unclassified, len(figures.distinct[TO_CLASSIFY]), 0, "", ratio(unclassified, total)]
    )
    return rows


def _official_rows(figures: Figures, taxonomy: Taxonomy) -> list[list[Any]]:
    return [[label, count, ratio(count, figures.total)] for label, count in figures.by_official(taxonomy)]


def _nature_rows(figures: Figures) -> list[list[Any]]:
    return [[Nature(n).label, c, ratio(c, figures.total)] for n, c in figures.natures.most_common()]


def commune_rows(figures: Figures, bundles: list[IncludedBundle]) -> list[list[Any]]:
    """The « Communes » sheet: every commune of the list and every commune heard, with its
    inhabitants, contributions, bundles received and state."""
    received: dict[str, list[IncludedBundle]] = defaultdict(list)
    for bundle in bundles:
        received[bundle.insee].append(bundle)
    names = {c["insee"]: c["name"] for c in figures.listed}
    rows: list[list[Any]] = []
    heard = figures.heard_codes()
    for insee in sorted(set(names) | set(figures.by_commune) | set(received)):
        name, count, unclassified = figures.by_commune.get(insee, [names.get(insee), 0, 0])
        label = f"{insee} {name or names.get(insee) or ''}".strip()
        if figures.current(insee) != insee:
            label += f" (aujourd'hui {figures.current(insee)})"
        population = figures.population(insee)
        sent = received.get(insee, [])
        last = max((b.received_at or "" for b in sent), default="")
        state = (
            "entendue" if count else "entendue sous un ancien code" if insee in heard
            else "envoi sans contribution" if sent else "sans envoi"
        )  # fmt: skip
        rows.append([
            label, population if population is not None else "inconnue", count, unclassified, len(sent),
            format_fr(last) if last else "", state,
        ])  # fmt: skip
    return rows


def bundle_rows(bundles: list[IncludedBundle]) -> list[list[Any]]:
    """The « Paquets reçus » sheet: every export received, by commune and number."""
    return [
        [
            bundle.insee,
            bundle.sequence,
            bundle.parts,
            format_fr(bundle.received_at),
            bundle.digest or "incomplet : toutes les parties ne sont pas arrivées",
        ]  # fmt: skip
        for bundle in bundles
    ]


def title(setting: Setting) -> str:
    """What heads every printed page."""
    return (
        f"Synthèse des cahiers de doléances — département {setting.department} — "
        f"{date.today().strftime('%d/%m/%Y')}"
    )


RULES = (
    "Listes de mots et d'expressions par thème, sans accents ni majuscules, mots ramenés à "
    "leur racine (Snowball, français). Un mot compte une fois par contribution ; une "
    "expression compte double ; un mot partagé par plusieurs thèmes compte pour chacun en "
    "proportion. Le thème officiel est choisi sur la somme des thèmes qui en relèvent, puis "
    "le thème principal parmi eux. Un thème secondaire doit atteindre la moitié du principal. "
    "En dessous de {threshold:g} point : « à classer ». Les mots qui ont décidé sont "
    "écrits à côté de chaque contribution. Les corrections de l'association priment."
)


def method(figures: Figures, setting: Setting, workbook: str, csv: str) -> list[tuple[str, Any]]:
    """The « Méthode » sheet: how the synthesis was made, its coverage, the bundles it holds."""
    taxonomy = setting.taxonomy
    lines: list[tuple[str, Any]] = [
        ("Méthode", None),
        ("Date", date.today().strftime("%d/%m/%Y")),
        ("Outil", f"mairie {__version__}"),
        ("Taxonomie", f"{taxonomy.title} — version {taxonomy.version} ({taxonomy.source})"),
        ("Classement", RULES.format(threshold=classify.THRESHOLD)),
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
        ("Résumé", coverage(figures, setting.pages_to_type)),
        ("Part « à classer » selon la taille de la commune", None),
        *_size_lines(figures),
        (
            "Quasi-doublons",
            f"{figures.groups.groups()} groupe(s), {figures.groups.grouped()} contribution(s) en tout",
        ),
        *_commune_lines(figures),
        (
            "Paquets inclus",
            f"{len(setting.bundles)} envoi(s) de {len({b.insee for b in setting.bundles})} commune(s), "
            "avec leur empreinte : feuille « Paquets reçus » ; chaque commune : feuille « Communes ».",
        ),
        (
            "Impression",
            "Chaque feuille s'imprime en A4, à la largeur de la page, l'en-tête répété sur chaque page ; "
            "l'identifiant des contributions (colonne J) n'est pas imprimé.",
        ),
    ]
    return lines


def _size_lines(figures: Figures) -> list[tuple[str, Any]]:
    sizes: dict[str, list[int]] = {label: [0, 0] for _, _, label in SIZES}
    sizes["population inconnue"] = [0, 0]
    for insee, (_, count, unclassified) in figures.by_commune.items():
        population = figures.population(insee)
        label = next(
            (lbl for low, high, lbl in SIZES if population is not None and low <= population < high),
            "population inconnue",
        )
        sizes[label][0] += count
        sizes[label][1] += unclassified
    return [
        (label, f"{unclassified} sur {count} ({share(unclassified, count)})")
        for label, (count, unclassified) in sizes.items()
        if count
    ]


def _commune_lines(figures: Figures) -> list[tuple[str, Any]]:
    lines: list[tuple[str, Any]] = []
    merged = sorted(insee for insee in figures.by_commune if figures.current(insee) != insee)
    if merged:
        lines.append((
            "Codes de communes fusionnées depuis (comptés pour leur commune d'aujourd'hui)",
            ", ".join(f"{insee} → {figures.current(insee)}" for insee in merged),
        ))  # fmt: skip
    silent = figures.silent()
    if silent:
        shown = ", ".join(f"{c['insee']} {c['name'] or ''}".strip() for c in silent[:40])
        more = f" et {len(silent) - 40} autre(s) (feuille « Communes »)" if len(silent) > 40 else ""
        lines.append((f"Communes de la liste sans aucun envoi ({len(silent)})", shown + more))
    return lines


def ratio(part: int, whole: int) -> float | str:
    """A share as a number (the workbook shows it « 12,5 % »), « — » when there is nothing to divide."""
    return part / whole if whole else "—"
