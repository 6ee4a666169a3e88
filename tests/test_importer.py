import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from mairie_cli.errors import NotASpreadsheet, NoTextColumn, RowsRejected
from mairie_cli.models import Nature, Source
from mairie_cli.services.commune.importer import import_file
from mairie_cli.services.commune.register import Register

HEADER = ["N°", "Date", "Nature", "Texte de la contribution", "Nom et prénom", "Page"]
ROWS = [
    [1, "12/12/2018", "Doléance", "Trop de taxes sur le carburant ; on ne peut plus rouler.", "Martine", 1],
    [2, "13/12/2018", "proposition", "Créer une maison de santé, ou au moins une permanence.", "", 2],
    [3, "14/12/2018", "", "Le car scolaire passe trop tôt.", "", "p. 3"],
]


def write_csv(path: Path, rows, *, delimiter=";", encoding="utf-8", bom=False, title=None):
    lines = [title] if title else []
    for row in rows:
        cells = []
        for cell in row:
            text = "" if cell is None else str(cell)
            if delimiter in text or '"' in text or "\n" in text:
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(delimiter.join(cells))
    data = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode(encoding))
    return path


def write_xlsx(path: Path, rows, *, sheet="Feuille1", before=None):
    workbook = openpyxl.Workbook()
    first = workbook.active
    if before:
        first.title = before
        first.append(["rien ici"])
        ws = workbook.create_sheet(sheet)
    else:
        ws = first
        ws.title = sheet
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return path


def texts(register: Register):
    return [c.text for c in register.contributions()]


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom"),
    [(";", "cp1252", False), (",", "utf-8", True), (";", "utf-8", False), ("\t", "utf-8", False)],
)
def test_csv_variants(register, tmp_path, delimiter, encoding, bom):
    path = write_csv(
        tmp_path / "cahier.csv", [HEADER, *ROWS], delimiter=delimiter, encoding=encoding, bom=bom
    )
    report = import_file(register, path)
    assert report.imported == 3
    assert report.mapping == {
        "date": "Date", "nature": "Nature", "text": "Texte de la contribution",
        "author": "Nom et prénom", "page": "Page", "ident": "N°",
    }  # fmt: skip
    assert report.ignored_columns == []
    rows = list(register.contributions())
    assert [c.text for c in rows] == [r[3] for r in ROWS]
    assert rows[0].author == "Martine" and rows[1].author is None
    assert [c.nature for c in rows] == [Nature.DOLEANCE, Nature.PROPOSITION, Nature.DOLEANCE]
    assert [c.page_number for c in rows] == [1, 2, 3]
    assert rows[0].written_on == "2018-12-12"
    assert all(c.source is Source.IMPORT for c in rows)


def test_xlsx_with_excel_dates_title_row_and_second_sheet(register, tmp_path):
    rows = [
        ["Cahier de doléances de L'Abergement"],
        [],
        ["DATE", "DOLEANCE", "Auteur"],
        [datetime(2018, 12, 12), "Fermeture de la trésorerie.", "M. Paul"],
        [43447, "Plus de gendarmes la nuit.", None],
    ]
    path = write_xlsx(tmp_path / "cahier.xlsx", rows, sheet="Saisie", before="Notes")
    report = import_file(register, path)
    assert (report.sheet, report.header_row, report.imported) == ("Saisie", 3, 2)
    assert report.mapping == {"date": "DATE", "text": "DOLEANCE", "author": "Auteur"}
    dates = [c.written_on for c in register.contributions()]
    assert dates == ["2018-12-12", "2018-12-13"]


def test_reimport_adds_nothing_and_new_rows_only(register, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEADER, *ROWS])
    assert import_file(register, path).imported == 3
    again = import_file(register, path)
    assert (again.imported, again.already_present) == (0, 3)
    longer = write_csv(tmp_path / "c.csv", [HEADER, *ROWS, [4, "", "", "Nouvelle ligne.", "", ""]])
    third = import_file(register, longer)
    assert (third.imported, third.already_present) == (1, 3)
    assert len(texts(register)) == 4


def test_identical_rows_in_one_file_are_both_kept(register, tmp_path):
    petition = ["Je soutiens la pétition pour la ligne de bus."]
    path = write_csv(tmp_path / "p.csv", [["Texte"], petition, petition])
    assert import_file(register, path).imported == 2
    assert import_file(register, path).imported == 0


def test_bad_rows_refuse_the_whole_file(register, tmp_path):
    register_count = len(texts(register))
    rows = [
        HEADER,
        *ROWS,
        [4, "31/02/2019", "", "Date impossible.", "", ""],
        [5, "", "pétition", "Nature inconnue.", "", ""],
        [6, "12/12/2018", "", "   ", "Paul", ""],
        [7, "", "", "Page fausse.", "", "douze"],
        [7, "", "", "Page trop grande.", "", 12000],
        [8, "", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(RowsRejected) as error:
        import_file(register, path)
    assert error.value.code == "E134"
    assert error.value.details == [
        "ligne 5 : La date « 31/02/2019 » n'existe pas dans le calendrier : vérifiez le jour et le mois.",
        "ligne 6 : La nature « pétition » est inconnue : indiquez doléance (d), proposition (p) ou autre (a).",
        "ligne 7 : le texte est vide",
        "ligne 8 : le numéro de page « douze » n'est pas un nombre entier",
        "ligne 9 : le numéro de page 12000 doit être compris entre 1 et 9999",
    ]
    assert len(texts(register)) == register_count  # nothing half imported
    assert register.db.execute("SELECT COUNT(*) FROM journal WHERE action='create'").fetchone()[0] == 0

    partial = import_file(register, path, partial=True)
    assert (partial.imported, partial.rejected_count, partial.empty_rows) == (3, 5, 1)
    assert len(texts(register)) == 3


def test_dry_run_writes_nothing(register, tmp_path):
    path = write_csv(tmp_path / "c.csv", [HEADER, *ROWS])
    report = import_file(register, path, dry_run=True)
    assert report.imported == 3
    assert texts(register) == []
    assert register.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0


def test_forced_column(register, tmp_path):
    path = write_csv(
        tmp_path / "c.csv", [["Quand", "Ce que le citoyen a écrit"], ["12/12/2018", "Le pont est dangereux."]]
    )
    with pytest.raises(NoTextColumn) as error:
        import_file(register, path)
    assert "« Quand », « Ce que le citoyen a écrit »" in error.value.message
    report = import_file(register, path, columns={"text": "ce que le citoyen a ecrit", "date": "QUAND"})
    assert report.imported == 1
    assert next(register.contributions()).written_on == "2018-12-12"


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"", "vide.csv", "est vide"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "ancien.xls", "Excel ancien"),
        (b"%PDF-1.4\n" + bytes(range(256)), "scan.csv", "n'est pas un tableur"),
        (b"PK\x03\x04" + b"garbage" * 20, "casse.xlsx", "n'est pas un classeur Excel lisible"),
        (b"just some text", "texte.xlsx", "n'est pas un classeur Excel valide"),
    ],
)
def test_not_spreadsheets(register, tmp_path, content, name, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotASpreadsheet) as error:
        import_file(register, path)
    assert fragment in error.value.message


def test_opendocument_gets_advice(register, tmp_path):
    path = tmp_path / "cahier.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(NotASpreadsheet) as error:
        import_file(register, path)
    assert "Enregistrer sous" in error.value.message


def test_truncated_xlsx(register, tmp_path):
    good = write_xlsx(tmp_path / "ok.xlsx", [["Texte"], *[[f"ligne {i}"] for i in range(200)]])
    data = good.read_bytes()
    cut = tmp_path / "coupe.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(NotASpreadsheet):
        import_file(register, cut)
    assert texts(register) == []


def test_import_into_named_cahier(register, tmp_path):
    register.open_cahier("Deuxième cahier", date(2019, 1, 2))
    path = write_csv(tmp_path / "c.csv", [HEADER, *ROWS])
    report = import_file(register, path, cahier_id=1)
    assert report.cahier_id == 1
    assert {c.cahier_id for c in register.contributions()} == {1}


@pytest.fixture
def child_reader(monkeypatch):
    """Make every workbook go through the child-process reader used for large files."""
    monkeypatch.setattr("mairie_cli.tabular.CHILD_READER_MIN_BYTES", 0)


def test_child_reader_gives_the_same_result(register, tmp_path, child_reader):
    rows = [["Titre du classeur"], ["Date", "Texte", "Page"]]
    rows += [[datetime(2018, 12, 1 + i % 28), f"Contribution {i}", 1 + i // 10] for i in range(2500)]
    path = write_xlsx(tmp_path / "gros.xlsx", rows, sheet="Saisie", before="Notes")
    report = import_file(register, path)
    assert (report.sheet, report.header_row, report.imported) == ("Saisie", 2, 2500)
    stored = list(register.contributions())
    assert [c.text for c in stored[:3]] == ["Contribution 0", "Contribution 1", "Contribution 2"]
    assert stored[-1].page_number == 250 and stored[-1].written_on == "2018-12-08"
    assert import_file(register, path).already_present == 2500


def test_child_reader_reports_damage(register, tmp_path, child_reader):
    good = write_xlsx(tmp_path / "ok.xlsx", [["Texte"], *[[f"ligne {i}"] for i in range(200)]])
    cut = tmp_path / "coupe.xlsx"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(NotASpreadsheet):
        import_file(register, cut)
    ods = tmp_path / "cahier.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(NotASpreadsheet) as error:
        import_file(register, ods)
    assert "Enregistrer sous" in error.value.message
    assert texts(register) == []


def test_child_reader_stops_when_rows_are_refused(register, tmp_path, child_reader):
    rows = [["Texte", "Date"], *[[f"ligne {i}", "31/02/2019"] for i in range(3000)]]
    path = write_xlsx(tmp_path / "faux.xlsx", rows)
    with pytest.raises(RowsRejected) as error:
        import_file(register, path)
    assert len(error.value.details) == 50  # the first fifty are listed
    assert texts(register) == []


def test_windows_1252_that_looks_like_utf8(register, tmp_path):
    """« à » followed by two symbols is valid UTF-8 (one Samaritan letter): still Windows-1252."""
    path = tmp_path / "c.csv"
    path.write_bytes("Texte\r\nà\xa0¡ Voilà\r\n".encode("cp1252"))
    assert import_file(register, path).imported == 1
    assert texts(register) == ["à\xa0¡ Voilà"]
