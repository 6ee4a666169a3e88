"""What the printable report says (« asso synthese --rapport »): coverage, themes with their
charts, representative quotes chosen by a stated rule, petitions, method. Drawn as HTML and PDF
by ``mairie_cli.synthesis.brief``; the figures are those of the workbook (``report``)."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date

from mairie_cli import __version__
from mairie_cli.models import Nature
from mairie_cli.services.association import report
from mairie_cli.storage.association.synthesis import SynthesisRow
from mairie_cli.synthesis import classify
from mairie_cli.synthesis.brief import Brief, Heading, Quote, Section, Table, share
from mairie_cli.synthesis.brief import thousands as _n
from mairie_cli.synthesis.charts import Chart
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY

#: The rule that chooses the quotes, printed in the report's method as it is applied here.
QUOTES_PER_THEME = 3
QUOTE_LENGTH = (80, 400)
QUOTE_RULE = (
    f"Pour chaque thème, au plus {QUOTES_PER_THEME} textes de {QUOTE_LENGTH[0]} à {QUOTE_LENGTH[1]} "
    "caractères, ceux où les mots du thème pèsent le plus (à égalité, le plus court), au plus un "
    "par commune et un par groupe de quasi-doublons ; jamais un texte où le contrôle de "
    "l'association trouve encore des données personnelles. Les textes sont cités tels que les "
    "communes les ont envoyés, masqués ([NOM], [TÉLÉPHONE]…)."
)
_CANDIDATES = 8 * QUOTES_PER_THEME  # kept per theme while the texts go by (memory stays flat)


@dataclass
class Quotes:
    """The best candidates per theme, gathered as contributions go by."""

    # theme -> (score, -length, -number, text, commune, nature, group), best last after sorting
    _kept: dict[str, list[tuple[float, int, int, str, str, str, int]]] = field(default_factory=dict)

    def offer(self, number: int, row: SynthesisRow, theme: str, group: int, score: float) -> None:
        length = len(row.text)
        if theme == TO_CLASSIFY or not QUOTE_LENGTH[0] <= length <= QUOTE_LENGTH[1] or score <= 0:
            return
        commune = f"{row.insee} {row.commune or ''}".strip()
        entry = (score, -length, -number, row.text, commune, Nature(row.nature).label, group)
        kept = self._kept.setdefault(theme, [])
        if len(kept) < _CANDIDATES:
            heapq.heappush(kept, entry)
        elif entry > kept[0]:
            heapq.heapreplace(kept, entry)

    def chosen(self, theme: str) -> list[Quote]:
        quotes: list[Quote] = []
        communes: set[str] = set()
        groups: set[int] = set()
        for _, _, _, text, commune, nature, group in sorted(self._kept.get(theme, []), reverse=True):
            if commune in communes or group in groups:
                continue
            communes.add(commune)
            groups.add(group)
            quotes.append(Quote(text, f"{commune}, {nature}"))
            if len(quotes) == QUOTES_PER_THEME:
                break
        return quotes


def build(figures: report.Figures, setting: report.Setting, quotes: Quotes, association: str) -> Brief:
    taxonomy = setting.taxonomy
    today = date.today().strftime("%d/%m/%Y")
    return Brief(
        f"Cahiers de doléances — département {setting.department}",
        f"{association} — synthèse établie le {today} par mairie {__version__}, "
        f"taxonomie {taxonomy.version}.",
        [
            _coverage(figures, setting),
            _officials(figures, setting),
            _themes(figures, setting),
            _voices(figures, setting, quotes),
            _petitions(figures),
            _method(setting),
        ],
    )


def _coverage(figures: report.Figures, setting: report.Setting) -> Section:
    listed = figures.listed
    heard = figures.heard_codes()
    silent = figures.silent()
    people, everyone = figures.inhabitants()
    once = sum(len(groups) for groups in figures.distinct.values())
    heard_line = f"{len(heard)} commune(s) entendue(s)"
    if listed:
        heard_line += f" sur les {len(listed)} de la liste du département ({share(len(heard), len(listed))})"
    if everyone:
        heard_line += f", qui comptent {_n(people)} habitants sur {_n(everyone)} ({share(people, everyone)})"
    parts: list[str | Table | Chart | Quote | Heading] = [
        heard_line + ".",
        f"{_n(figures.total)} contribution(s) ; {_n(once)} une fois les quasi-doublons (pétitions, lettres "
        f"types) comptés une fois ; {_n(figures.mains[TO_CLASSIFY])} « à classer » (aucun thème reconnu).",
        f"{setting.pages_to_type} page(s) manuscrite(s) ne sont pas encore tapées dans les communes : leurs "
        "contributions manquent ici.",
    ]  # fmt: skip
    if silent:
        names = ", ".join(f"{c['name'] or c['insee']}" for c in silent[:40])
        more = f" et {len(silent) - 40} autre(s)" if len(silent) > 40 else ""
        parts.append(f"Sans envoi ({len(silent)}) : {names}{more}.")
    return Section("Qui a été entendu", parts)


def _officials(figures: report.Figures, setting: report.Setting) -> Section:
    counts = sorted(figures.by_official(setting.taxonomy), key=lambda item: -item[1])
    return Section(
        "Les quatre thèmes du Grand Débat national",
        [
            Chart("Contributions par thème officiel", [c[0] for c in counts], [c[1] for c in counts]),
            Table(
                ["Thème officiel", "Contributions", "Part"],
                [[label, _n(count), share(count, figures.total)] for label, count in counts],
                [6, 2.6, 1.6],
            ),
        ],
    )


def _themes(figures: report.Figures, setting: report.Setting) -> Section:
    taxonomy = setting.taxonomy
    themes = sorted(taxonomy.themes, key=lambda t: -figures.mains[t.id])
    labels = [taxonomy.label(t.id) for t in themes] + ["À classer"]
    counts = [figures.mains[t.id] for t in themes] + [figures.mains[TO_CLASSIFY]]
    rows = [
        [
            taxonomy.label(t.id),
            _n(figures.mains[t.id]),
            _n(len(figures.distinct[t.id])),
            share(figures.mains[t.id], figures.total),
            taxonomy.officials[t.official],
        ]  # fmt: skip
        for t in themes
    ]
    return Section(
        "Les thèmes des cahiers",
        [
            "Les cahiers des communes rurales parlent aussi de ce que les quatre thèmes officiels ne "
            "nomment pas : services publics de proximité, mobilité, santé, agriculture. Chaque "
            "contribution a un thème principal ; « comptées une fois » compte un groupe de "
            "quasi-doublons pour un.",
            Chart("Contributions par thème principal", labels, counts),
            Table(
                ["Thème", "Contributions", "Comptées une fois", "Part", "Thème officiel"],
                rows,
                [5, 2.6, 2.6, 1.6, 5],
            ),
        ],
    )


def _voices(figures: report.Figures, setting: report.Setting, quotes: Quotes) -> Section:
    taxonomy = setting.taxonomy
    parts: list[str | Table | Chart | Quote | Heading] = [QUOTE_RULE]
    for theme in sorted(taxonomy.themes, key=lambda t: -figures.mains[t.id]):
        chosen = quotes.chosen(theme.id)
        if not chosen:
            continue
        count = figures.mains[theme.id]
        parts.append(Heading(f"{taxonomy.label(theme.id)} — {_n(count)} contribution(s)"))
        parts.extend(chosen)
    return Section("Ce que disent les contributions", parts)


def _petitions(figures: report.Figures) -> Section:
    sizes = sorted(figures.groups.sizes.items(), key=lambda item: (-item[1], item[0]))[:10]
    if not sizes:
        return Section("Pétitions et lettres types", ["Aucun groupe de textes presque identiques."])
    return Section(
        "Pétitions et lettres types",
        [
            f"{figures.groups.groups()} groupe(s) de textes presque identiques, {figures.groups.grouped()} "
            "contribution(s) en tout ; chaque groupe compte une fois dans « comptées une fois ». "
            "Les plus grands :",
            Table(
                ["Textes", "Début du deuxième texte du groupe"],
                [[str(size), figures.excerpts.get(group, "")] for group, size in sizes],
                [1, 9],
            ),
        ],
    )


def _method(setting: report.Setting) -> Section:
    taxonomy = setting.taxonomy
    communes = len({b.insee for b in setting.bundles})
    return Section(
        "Méthode",
        [
            f"Sources : {len(setting.bundles)} envoi(s) signé(s) et chiffré(s) de {communes} commune(s), "
            "vérifiés à la réception (liste et empreintes dans le classeur, feuille « Paquets reçus »).",
            f"Thèmes : {taxonomy.title}, version {taxonomy.version}. "
            + report.RULES.format(threshold=classify.THRESHOLD),
            "Quasi-doublons : textes dont les suites de 4 mots se recouvrent à 70 % au moins.",
            f"Citations : {QUOTE_RULE}",
            "Données personnelles : masquées par les communes avant l'envoi, contrôlées de nouveau par "
            "l'association ; les auteurs n'apparaissent pas.",
            "Le détail (chaque contribution, ses thèmes et les mots qui les ont décidés) est dans le "
            "classeur de la synthèse et dans le fichier de données ouvertes.",
        ],
    )
