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


def main() -> None:
    """Write ``exemples/cahier-saisi.xlsx`` (typed in Excel) and ``.csv`` (Windows-1252, « ; »)."""
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


if __name__ == "__main__":
    main()
