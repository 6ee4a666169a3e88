"""What the national printable report says (« national synthese --rapport »): who was heard,
the official and rural themes with their charts, sizes of commune, departments, representative
quotes chosen by the rule the workbook states, method. Drawn as HTML and PDF by
``mairie_cli.synthesis.brief``, from the same figures as the national workbook."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from mairie_cli import __version__
from mairie_cli.synthesis.brief import Brief, Heading, Part, Quote, Section, Table, share
from mairie_cli.synthesis.brief import thousands as _n
from mairie_cli.synthesis.charts import Chart
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy

#: The report quotes fewer and shorter texts per theme than the workbook's sheet, chosen by the
#: same rule: a few pages to read.
REPORT_QUOTES, REPORT_QUOTE_MAX = 2, 600


@dataclass(frozen=True)
class Overview:
    """The national figures, as the workbook and the report both say them."""

    name: str
    taxonomy: Taxonomy
    status: dict[str, Any]  # ``National.status()``
    communes: list[dict[str, Any]]  # every commune a department spoke for, population filled in
    total: int
    themes: list[tuple[str, int]]  # theme id, contributions; the largest first
    officials: list[tuple[str, int]]  # official theme label, contributions; the largest first
    by_department: dict[str, Counter[str]]
    sizes: list[tuple[str, int, int]]  # size label, communes heard, contributions
    quotes: dict[str, list[tuple[str, str, str, str]]]  # theme -> (department, commune, date, text)
    brief_quotes: dict[str, list[tuple[str, str, str, str]]]  # the report's: fewer, shorter
    method: list[tuple[str, str]]  # what the « Méthode » sheet says, row by row

    @property
    def heard(self) -> list[dict[str, Any]]:
        return [c for c in self.communes if c["heard"]]

    @property
    def silent(self) -> list[dict[str, Any]]:
        return [c for c in self.communes if c["listed"] and not c["heard"]]

    @property
    def pages_to_type(self) -> int:
        """Handwritten pages scanned in the communes and not typed yet, as each association said."""
        return sum(d["coverage"].get("pages_to_type", 0) for d in self.status["departments"])


def build(overview: Overview) -> Brief:
    today = date.today().strftime("%d/%m/%Y")
    return Brief(
        "Cahiers de doléances — synthèse nationale",
        f"{overview.name} — synthèse établie le {today} par mairie {__version__}, "
        f"taxonomie {overview.taxonomy.version}.",
        [
            _coverage(overview),
            *(
                [_officials(overview), _themes(overview), _places(overview), _voices(overview)]
                if overview.total
                else [Section("Les thèmes", ["Aucune contribution n'a encore été reçue : rien à classer."])]
            ),
            Section("Méthode", [f"{label} : {text}" for label, text in overview.method]),
        ],
    )


def _coverage(overview: Overview) -> Section:
    status, heard = overview.status, overview.heard
    departments = len(status["heard"]) + len(status["silent"])
    to_classify = dict(overview.themes).get(TO_CLASSIFY, 0)
    parts: list[Part] = [
        f"{len(status['heard'])} département(s) sur {departments} ont envoyé les contributions de leurs "
        f"communes : {_n(len(heard))} commune(s) entendue(s), qui comptent "
        f"{_n(sum(c['population'] or 0 for c in heard))} habitants.",
        f"{_n(overview.total)} contribution(s) ; {_n(to_classify)} « à classer » (aucun thème reconnu).",
    ]
    parts.append(
        f"{_n(overview.pages_to_type)} page(s) manuscrite(s) ne sont pas encore tapées dans les communes : "
        "leurs contributions manquent ici."
    )
    if overview.silent:
        parts.append(
            f"{_n(len(overview.silent))} commune(s) des listes des associations n'ont rien envoyé, qui "
            f"comptent {_n(sum(c['population'] or 0 for c in overview.silent))} habitants."
        )
    if status["silent"]:
        parts.append(f"Départements sans envoi ({len(status['silent'])}) : {', '.join(status['silent'])}.")
    return Section("Qui a été entendu", parts)


def _officials(overview: Overview) -> Section:
    counts = overview.officials
    return Section(
        "Les quatre thèmes du Grand Débat national",
        [
            Chart("Contributions par thème officiel", [c[0] for c in counts], [c[1] for c in counts]),
            Table(
                ["Thème officiel", "Contributions", "Part"],
                [[label, _n(count), share(count, overview.total)] for label, count in counts],
                [6, 2.6, 1.6],
            ),
        ],
    )


def _themes(overview: Overview) -> Section:
    taxonomy = overview.taxonomy
    labels = [taxonomy.label(t) for t, _ in overview.themes]
    return Section(
        "Les thèmes des cahiers",
        [
            "Les cahiers des communes rurales parlent aussi de ce que les quatre thèmes officiels ne "
            "nomment pas : services publics de proximité, mobilité, santé, agriculture. Chaque "
            "contribution a un thème principal.",
            Chart("Contributions par thème principal", labels, [n for _, n in overview.themes]),
            Table(
                ["Thème", "Contributions", "Part", "Thème officiel"],
                [
                    [label, _n(n), share(n, overview.total), _official(taxonomy, t)]
                    for label, (t, n) in zip(labels, overview.themes, strict=True)
                ],
                [5, 2.6, 1.6, 5],
            ),
        ],
    )


def _places(overview: Overview) -> Section:
    taxonomy = overview.taxonomy
    rows = []
    for d in overview.status["departments"]:
        counts = overview.by_department.get(d["department"], Counter())
        first = next((t for t, _ in counts.most_common() if t != TO_CLASSIFY), None)
        rows.append([
            d["department"], d["association"] or "", _n(d["communes_heard"] or 0), _n(d["contributions"]),
            taxonomy.label(first) if first else "—",
        ])  # fmt: skip
    sized = [(label, heard, count) for label, heard, count in overview.sizes if count]
    return Section(
        "Communes et départements",
        [
            Chart(
                "Contributions par taille de commune (habitants)",
                [s[0] for s in sized],
                [s[2] for s in sized],
            ),
            Table(
                ["Taille de la commune", "Communes entendues", "Contributions", "Part"],
                [[size, _n(heard), _n(n), share(n, overview.total)] for size, heard, n in sized],
                [4, 2.6, 2.6, 1.6],
            ),
            Heading("Par département"),
            Table(
                ["Dép.", "Association", "Communes entendues", "Contributions", "Premier thème"],
                rows,
                [1.2, 4.5, 2.2, 2.2, 4],
            ),
        ],
    )


def _voices(overview: Overview) -> Section:
    taxonomy = overview.taxonomy
    rule = dict(overview.method).get("Textes représentatifs", "")
    parts: list[Part] = [
        f"{rule} Le rapport en cite {REPORT_QUOTES} par thème, de {REPORT_QUOTE_MAX} caractères au plus ; "
        "la feuille « Textes représentatifs » du classeur les donne tous."
    ]
    for theme, count in overview.themes:
        chosen = overview.brief_quotes.get(theme, [])
        if theme == TO_CLASSIFY or not chosen:
            continue
        parts.append(Heading(f"{taxonomy.label(theme)} — {_n(count)} contribution(s)"))
        parts.extend(
            Quote(text, f"{commune} ({department}), {written}" if written else f"{commune} ({department})")
            for department, commune, written, text in chosen
        )
    return Section("Ce que disent les contributions", parts)


def _official(taxonomy: Taxonomy, theme: str) -> str:
    return taxonomy.officials.get(taxonomy.official_of(theme) or "", "")
