"""Spreadsheets as town halls really fill them: grouped headers, sub-headers and totals, a notes
column, rows corrected in the sheet after a first import."""

import json
import zipfile

import openpyxl
import pytest

from mairie_cli.errors import RowsRejected
from mairie_cli.services.commune.importer import import_file

TEXTS = [
    "Rouvrir le bureau de poste deux matinées par semaine au moins.",
    "Le car scolaire passe trop tôt le matin pour les petits du hameau.",
    "Il faut une maison de santé avec un médecin généraliste présent.",
]


def grouped_sheet(path, *, notes=("", "Reçu par courrier, tél. 06 12 34 56 78", ""), extra=None):
    """« Texte » merged over two rows, « Auteur » merged over « Nom | Prénom »."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Cahier de doléances de la commune"])
    sheet.append(["N°", "Date", "Texte", "Auteur", None, "Observations"])
    sheet.append([None, None, None, "Nom", "Prénom", None])
    for column in ("A", "B", "C", "F"):
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    people = [("MARTIN", "Jeanne"), ("Roux", "Paul"), ("", "")]
    for number, (text, (surname, first), note) in enumerate(zip(TEXTS, people, notes, strict=True), 1):
        sheet.append([number, f"1{number}/12/2018", text, surname or None, first or None, note or None,
                      *(extra or [])])  # fmt: skip
    workbook.save(path)
    return path


def test_a_grouped_header_joins_name_parts_and_lists_every_column(register, tmp_path):
    path = grouped_sheet(tmp_path / "cahier.xlsx", extra=["à rappeler"])
    report = import_file(register, path)
    assert (report.header_row, report.imported) == (3, 3)
    assert report.mapping == {
        "date": "Date", "text": "Texte", "author": "Auteur › Prénom + Auteur › Nom", "ident": "N°",
    }  # fmt: skip
    # Every column holding data is listed, the unnamed one too.
    assert report.ignored_columns == ["Observations", "colonne G (sans en-tête)"]
    rows = list(register.contributions())
    assert [r.author for r in rows] == ["Jeanne MARTIN", "Paul Roux", None]
    assert [r.text for r in rows] == TEXTS
    assert rows[0].written_on == "2018-12-11"


def test_a_notes_column_is_kept_shown_and_exported_masked(cli, register, tmp_path):
    path = grouped_sheet(tmp_path / "cahier.xlsx")
    result = cli("importer", str(path), "--colonne", "note=Observations")
    assert result.exit_code == 0, result.stderr
    assert "note    ← colonne « Observations »" in result.stderr
    rows = list(register.contributions())
    assert [r.note for r in rows] == [None, "Reçu par courrier, tél. 06 12 34 56 78", None]
    shown = cli("voir", rows[1].short_id)
    assert "Note de la mairie : Reçu par courrier, tél. 06 12 34 56 78" in shown.stdout
    assert cli("exporter", "--sans-chiffrement").exit_code == 0
    bundle = next((register.workspace.exports_dir).glob("*.zip"))
    with zipfile.ZipFile(bundle) as archive:
        [name] = [n for n in archive.namelist() if n.endswith("data/contributions.jsonl")]
        records = [json.loads(line) for line in archive.read(name).decode().splitlines()]
    assert [r.get("note") for r in records] == [None, "Reçu par courrier, tél. [TÉLÉPHONE]", None]
    assert "note" not in records[0]  # records without a note are written as before
    # Without the option, the secretary is told how to keep it.
    again = cli("importer", str(path), "--essai")
    assert "(colonne « Observations » ignorée)" in again.stderr
    assert '--colonne note="Observations"' in again.stderr


def test_sub_headers_totals_and_separators_are_skipped_with_a_note(register, tmp_path):
    rows = [
        ["Date", "Nature", "Texte", "Auteur"],
        ["Réunion publique du 15 janvier", None, None, None],
        ["12/12/2018", "doléance", TEXTS[0], "Mme Roux"],
        ["Date", "Nature", "Texte", "Auteur"],  # the header repeated on a printed page
        ["----", None, "----", None],
        ["13/12/2018", "proposition", TEXTS[1], None],
        ["Total", None, "2 contributions", None],
    ]
    path = tmp_path / "sous-titres.xlsx"
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    report = import_file(register, path)
    assert report.imported == 2 and report.rejected_count == 0
    assert [(s.row, s.reason.split(" (")[0]) for s in report.skipped] == [
        (2, "intertitre"), (4, "sous-en-tête ou en-tête répété"), (5, "ligne de séparation"),
        (7, "ligne de total"),
    ]  # fmt: skip
    # A real bad row (a date and an author, no text) still stops the import.
    workbook.active.append(["14/12/2018", None, None, "M. Petit"])
    workbook.save(path)
    with pytest.raises(RowsRejected) as error:
        import_file(register, path)
    assert error.value.details == ["ligne 8 : le texte est vide"]


def test_a_row_corrected_in_a_numbered_sheet_becomes_a_new_version(register, tmp_path):
    path = grouped_sheet(tmp_path / "cahier.xlsx")
    import_file(register, path)
    before = list(register.contributions())
    workbook = openpyxl.load_workbook(path)
    workbook.active["C5"] = TEXTS[1].replace("trop tôt", "bien trop tôt")
    workbook.active["E4"] = "Jeannette"
    workbook.save(path)
    again = import_file(register, path)
    assert (again.imported, again.corrected, again.already_present) == (0, 2, 1)
    after = list(register.contributions())
    assert [c.uuid for c in after] == [c.uuid for c in before]
    assert [c.version for c in after] == [2, 2, 1]
    assert after[1].text.startswith("Le car scolaire passe bien trop tôt")
    assert after[0].author == "Jeannette MARTIN"
    assert import_file(register, path).corrected == 0  # once applied, nothing left to do


def test_without_row_numbers_a_close_row_is_reported_not_added(cli, register, tmp_path):
    path = tmp_path / "sans-numeros.csv"
    lines = ["Date;Texte"] + [f"1{i}/12/2018;{t}" for i, t in enumerate(TEXTS, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert import_file(register, path).imported == 3
    corrected = TEXTS[2].replace("médecin généraliste", "médecin généraliste ")
    lines[3] = f"13/12/2018;{TEXTS[2].replace('santé', 'santé pluridisciplinaire')}"
    lines.append("20/12/2018;Une ligne vraiment nouvelle, sans rapport avec les autres.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = cli("importer", str(path))
    assert shown.exit_code == 0, shown.stderr
    assert "1 ligne(s) ressemblent à des contributions déjà importées" in shown.stderr
    assert "ligne 4 ≈ contribution n° 3" in shown.stderr
    assert len(list(register.contributions())) == 4  # only the really new row
    applied = import_file(register, path, corrections="appliquer")
    assert (applied.imported, applied.corrected) == (0, 1)
    third = list(register.contributions())[2]
    assert (third.version, "pluridisciplinaire" in third.text) == (2, True)
    assert corrected  # the same text with a trailing space is no correction at all


def test_a_look_alike_still_in_the_sheet_is_a_new_row(register, tmp_path):
    path = tmp_path / "petition.csv"
    base = "Nous demandons le maintien de la ligne de bus 12 entre le bourg et la gare."
    path.write_text(f"Texte\n{base}\n", encoding="utf-8")
    import_file(register, path)
    path.write_text(f"Texte\n{base}\n{base.replace('12', '14')}\n", encoding="utf-8")
    report = import_file(register, path)
    assert (report.imported, report.held) == (1, [])
