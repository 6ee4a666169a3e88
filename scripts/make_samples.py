"""Regenerate the sample material committed in ``exemples/``.

The texts are written for this project (fictional names, no real citizen's words), in the
style of the 2018–2019 cahiers: the demo and the README run on them.

    python scripts/make_samples.py
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parent.parent

ENTRIES = [
    (
        "10/12/2018",
        "Doléance",
        "Le médecin du bourg part à la retraite et personne ne le remplace. "
        "Les déserts médicaux touchent d'abord les personnes âgées sans voiture.",
        "Mme Fabre",
        1,
    ),
    (
        "10/12/2018",
        "Proposition",
        "Créer une maison de santé intercommunale avec des médecins "
        "salariés, et obliger les jeunes médecins à exercer quelques années en zone rurale.",
        "",
        1,
    ),
    (
        "11/12/2018",
        "Doléance",
        "Le prix du gazole a augmenté de 20 centimes en un an. Ici, sans "
        "voiture on ne va ni au travail, ni aux courses, ni chez le médecin.",
        "Jacques R.",
        1,
    ),
    (
        "11/12/2018",
        "Doléance",
        "La trésorerie a fermé, la poste n'ouvre plus que deux matinées "
        "par semaine. Les services publics s'en vont les uns après les autres.",
        "",
        2,
    ),
    (
        "12/12/2018",
        "Proposition",
        "Rétablir l'ISF et taxer davantage les très grandes entreprises plutôt que les retraités.",
        "Un retraité",
        2,
    ),
    (
        "12/12/2018",
        "Doléance",
        "Ma pension a baissé avec la hausse de la CSG alors que tout "
        "augmente : électricité, assurance, mutuelle.",
        "",
        2,
    ),
    (
        "13/12/2018",
        "Proposition",
        "Un car le samedi vers la ville, et du transport à la demande "
        "pour les personnes qui ne conduisent plus.",
        "Mme Girard",
        3,
    ),
    (
        "13/12/2018",
        "Doléance",
        "Pas de réseau mobile dans la moitié du village et une connexion "
        "Internet trop lente pour faire les démarches administratives en ligne.",
        "",
        3,
    ),
    (
        "14/12/2018",
        "Proposition",
        "Prendre en compte le vote blanc et organiser des référendums locaux sur les grands projets.",
        "",
        3,
    ),
    (
        "14/12/2018",
        "Doléance",
        "Les petites exploitations agricoles disparaissent : les prix "
        "payés aux éleveurs ne couvrent plus les coûts.",
        "Famille Roux",
        4,
    ),
    ("15/12/2018", "Autre", "Merci au maire d'avoir ouvert ce cahier.", "", 4),
    (
        "17/12/2018",
        "Proposition",
        "Garder l'école du village : une classe unique vaut mieux que "
        "quarante minutes de car pour des enfants de six ans.",
        "Parents d'élèves",
        4,
    ),
]


PAGES = [
    # A typed page of the register, straight, at 150 dpi (what the national scans used).
    (
        "cahier-page-1.png",
        "typed",
        [
            "Le 14/12/2018",
            "Nous demandons le maintien du bureau de poste du village, ouvert seulement",
            "deux matinées par semaine. Les personnes âgées n'ont pas d'autre solution.",
            "Signé : Famille Roux",
            "",
            "Le 15/12/2018",
            "Le prix du gazole a encore augmenté. Sans voiture, on ne va ni au travail,",
            "ni aux courses, ni chez le médecin : il faut un car le samedi.",
            "Signé : Paul Girard",
        ],
        {},
    ),
    # The next page, scanned sideways by mistake.
    (
        "cahier-page-2-tournee.png",
        "typed",
        [
            "Le 17/12/2018",
            "Monsieur le Maire,",
            "La trésorerie a fermé et les démarches se font maintenant sur Internet,",
            "mais la moitié du village n'a pas de réseau. Rétablissez un guichet.",
            "Cordialement,",
            "Jeanne Faure",
        ],
        {"rotate": 90},
    ),
    # A page put crooked on the copier.
    (
        "cahier-page-3-penchee.jpg",
        "typed",
        [
            "Le 18/12/2018",
            "1. Rétablir l'ISF et taxer davantage les très grandes entreprises.",
            "2. Prendre en compte le vote blanc et organiser des référendums locaux",
            "sur les grands projets qui concernent la commune.",
            "Signé : un retraité",
        ],
        {"skew": 3.0},
    ),
    # A handwritten page: it must be set aside for typing, never read as text.
    (
        "cahier-page-4-manuscrite.png",
        "handwritten",
        [
            "Le 19/12/2018",
            "Je voudrais que l'école du village reste ouverte. Une classe unique",
            "vaut mieux que quarante minutes de car pour des enfants de six ans.",
            "Marie Roux, mère de deux élèves",
        ],
        {},
    ),
    # The back of a page: blank.
    ("cahier-page-5-blanche.png", "blank", [], {}),
]


def make_scans() -> None:
    """Write the sample scans of ``scans/`` (the main job reads them)."""
    import sys

    sys.path.insert(0, str(ROOT))
    from testkit.synthetic import degrade, handwritten_page, typed_page

    out = ROOT / "scans"
    out.mkdir(exist_ok=True)
    for name, kind, lines, changes in PAGES:
        if kind == "handwritten":
            page = handwritten_page(lines, dpi=150, seed=11)
        else:
            page = typed_page(lines, dpi=150)
        page = degrade(page, **changes)
        if name.endswith(".jpg"):
            page.save(out / name, quality=80, dpi=(150, 150))
        else:
            page.save(out / name, optimize=True, dpi=(150, 150))


def main() -> None:
    """Write ``exemples/cahier-saisi.xlsx`` (typed in Excel) and ``.csv`` (Windows-1252, « ; »),
    then the sample scans of ``scans/``."""
    out = ROOT / "exemples"
    out.mkdir(exist_ok=True)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Cahier"
    sheet.append(["Cahier de doléances et de propositions — saisie de la mairie"])
    sheet.append([])
    sheet.append(["N°", "Date", "Nature", "Doléance ou proposition", "Nom et prénom", "Page"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for number, (day, nature, text, author, page) in enumerate(ENTRIES, start=1):
        written = datetime.strptime(day, "%d/%m/%Y")
        sheet.append([number, written, nature, text, author or None, page])
        sheet.cell(row=sheet.max_row, column=2).number_format = "DD/MM/YYYY"
    sheet.column_dimensions["D"].width = 80
    workbook.properties.creator = "mairie"
    workbook.properties.created = datetime(2018, 12, 17)
    workbook.properties.modified = datetime(2018, 12, 17)
    workbook.save(out / "cahier-saisi.xlsx")

    lines = ["Date;Nature;Texte;Auteur;Page"]
    for day, nature, text, author, page in ENTRIES[:4]:
        lines.append(f'{day};{nature};"{text}";{author};{page}')
    (out / "cahier-saisi.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    make_scans()


if __name__ == "__main__":
    main()
