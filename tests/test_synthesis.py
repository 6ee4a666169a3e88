"""The departmental synthesis: the workbook and the CSV read back against the association's base."""

import csv
import io
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mairie_cli.errors import ExitCode
from mairie_cli.models import Nature, NewContribution
from mairie_cli.services.association.reception import receive
from mairie_cli.services.association.synthesis import build_synthesis, set_theme
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.commune.export import export_bundle
from mairie_cli.services.commune.keys import CommuneKeys, set_recipients
from mairie_cli.services.commune.register import Register

PETITION = (
    "Nous, habitants du canton, demandons le maintien de la maternité et des urgences de l'hôpital "
    "de proximité, indispensables pour les familles et les personnes âgées de nos villages."
)
TEXTS = {
    "01001": [
        (
            "Il faut rétablir l'ISF et baisser la TVA sur les produits de première nécessité.",
            Nature.PROPOSITION,
        ),
        ("=SOMME(A1:A3) n'est pas une formule mais une doléance sur les impôts.", Nature.DOLEANCE),
        ("+33 ans que le bus ne passe plus : transports en commun, s'il vous plaît.", Nature.DOLEANCE),
        ("Merci.", Nature.AUTRE),
        (PETITION, Nature.DOLEANCE),
    ],
    "01002": [
        (PETITION.replace("canton", "village"), Nature.DOLEANCE),
        (
            "Nous voulons le référendum d'initiative citoyenne et la prise en compte du vote blanc.",
            Nature.PROPOSITION,
        ),
        ("-Le réchauffement climatique impose d'isoler les logements.", Nature.DOLEANCE),
    ],
}


@pytest.fixture
def received(tmp_path):
    association, _ = Association.init(tmp_path / "asso", "01", "AMR de l'Ain")
    listing = tmp_path / "communes.csv"
    listing.write_text("COM;LIBELLE;PMUN\n01001;Abergement;300\n01002;Ambérieu;14000\n01003;Ambutrix;800\n")
    association.load_communes(listing)
    for insee, entries in TEXTS.items():
        register, _ = Register.init(tmp_path / insee, insee)
        with register:
            register.open_cahier("Cahier de doléances")
            for text, nature in entries:
                register.add(NewContribution(text=text, nature=nature, author="Jean Dupont"))
            set_recipients(register, association.recipients()[0])
            association.trust(insee, CommuneKeys.of(register.workspace).public)
            receive(association, [f.path for f in export_bundle(register).files])
    yield association
    association.close()


def test_workbook_and_csv_match_the_base(received, tmp_path):
    result = build_synthesis(received, tmp_path / "synthese.xlsx")
    assert result.contributions == 8 and result.communes_heard == 2 and result.communes_silent == 1
    book = load_workbook(result.workbook)
    # No « À vérifier » sheet when there is nothing to check, no sheet for a theme without texts.
    assert book.sheetnames[:2] == ["Synthèse", "Contributions"] and book.sheetnames[-4:] == [
        "À classer", "Communes", "Paquets reçus", "Méthode",
    ]  # fmt: skip
    assert "Sécurité et justice" not in book.sheetnames
    sheet = book["Contributions"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    with sqlite3.connect(tmp_path / "asso" / "association.db") as conn:
        stored = {r[0]: r[1:] for r in conn.execute("SELECT uuid, insee, text FROM contributions")}
    assert {r["Identifiant"]: (r["Commune"].split()[0], r["Texte"]) for r in rows} == stored
    assert {r["Commune"] for r in rows} == {"01001 Abergement", "01002 Ambérieu"}
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:J9"
    formula = next(c for c in sheet["I"] if str(c.value).startswith("=SOMME"))
    assert formula.data_type == "s" and formula.alignment.wrap_text  # text, never a formula
    assert next(c for c in sheet["I"] if str(c.value).startswith("+33")).data_type == "s"
    # Every text cell is wrapped, the others top-aligned beside it; empty values leave empty cells.
    long_texts = [c for c in sheet["I"][1:] if len(c.value) > sheet.column_dimensions["I"].width]
    assert long_texts and all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in long_texts)
    assert not sheet["D2"].alignment.wrap_text
    assert sheet["D2"].alignment.vertical == "top"
    # Printing: A4 landscape fitted to the width, the header row repeated, the identifier not
    # printed, a row tall enough for its wrapped text.
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert sheet.print_area == "'Contributions'!$A$1:$I$1048576"
    assert "Page &P / &N" in str(sheet.oddFooter.center.text)
    petition_row = next(c.row for c in sheet["I"] if str(c.value).startswith("Nous, habitants"))
    assert sheet.row_dimensions[petition_row].height >= 45
    assert sum(1 for r in rows if r["Thèmes secondaires"] is None) >= 1
    by_id = {r["Identifiant"]: r for r in rows}
    petitions = [r for r in rows if r["Texte"].startswith("Nous, habitants")]
    # The group is the number of its first text: the two petitions share it; the others, alone,
    # have none.
    assert len(petitions) == 2 and petitions[0]["Groupe"] == petitions[1]["Groupe"] == 5
    assert [r["Groupe"] for r in rows if r not in petitions] == [None] * 6
    isf = next(r for r in rows if "ISF" in r["Texte"])
    assert isf["Thème principal"] == "Fiscalité et dépenses publiques" and "isf" in isf["Mots qui ont décidé"]
    assert next(r for r in rows if r["Texte"] == "Merci.")["Thème principal"] == "À classer"
    # Each contribution is in the sheet of its main theme, once.
    in_theme_sheets = sum(book[name].max_row - 1 for name in book.sheetnames[2:-3])
    assert in_theme_sheets == 8
    assert book["À classer"]["B2"].value == "Merci." and book["À classer"]["B2"].alignment.vertical == "top"
    # The summary counts petitions once; the method states version, coverage and bundles.
    summary = {r[0]: r for r in book["Synthèse"].iter_rows(values_only=True) if r[0]}
    health = summary["Santé et déserts médicaux"]
    assert health[1] == 2 and health[2] == 1
    assert summary[petitions[0]["Groupe"]][1:3] == (2, PETITION.replace("canton", "village")[:160])
    assert len(book["Synthèse"]._charts) == 3
    method = {r[0]: r[1] for r in book["Méthode"].iter_rows(values_only=True)}
    assert "2026.4" in method["Taxonomie"]
    assert (
        "2 commune(s) entendue(s) sur 3" in method["Résumé"]
        and "14300 habitants sur 15100" in method["Résumé"]
    )
    assert method["Communes de la liste sans aucun envoi (1)"] == "01003 Ambutrix"
    assert method["moins de 500 habitants"] == "1 sur 5 (20,0%)"
    assert method["Paquets inclus"].startswith("2 envoi(s) de 2 commune(s)")
    bundles = list(book["Paquets reçus"].iter_rows(min_row=2, values_only=True))
    assert [(b[0], b[1]) for b in bundles] == [("01001", 1), ("01002", 1)]
    assert all(str(b[4]).startswith("sha256:") for b in bundles)
    communes = {r[0]: r for r in book["Communes"].iter_rows(min_row=2, values_only=True)}
    assert (
        communes["01001 Abergement"][1:5] == (300, 5, 1, 1) and communes["01001 Abergement"][6] == "entendue"
    )
    assert communes["01003 Ambutrix"][2] == 0 and communes["01003 Ambutrix"][6] == "sans envoi"
    # The CSV: UTF-8 with BOM, « ; », no author, formulas neutralised.
    raw = result.csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert table[0][0] == "commune_insee" and "auteur" not in ";".join(table[0])
    assert len(table) == 9
    texts = [line[-1] for line in table[1:]]
    assert "'=SOMME(A1:A3) n'est pas une formule mais une doléance sur les impôts." in texts
    assert "'-Le réchauffement climatique impose d'isoler les logements." in texts
    assert "Dupont" not in raw.decode("utf-8-sig")
    assert by_id  # every row has its identifier


def test_coverage_counts_a_merged_commune_for_its_commune_today(received, tmp_path):
    # 01002 sent under its 2019 code; it has since merged into 01003.
    moves = tmp_path / "mouvements.csv"
    moves.write_text("MOD;DATE_EFF;COM_AV;COM_AP\n32;2024-01-01;01002;01003\n", encoding="utf-8")
    received.load_communes(moves)
    result = build_synthesis(received, tmp_path / "s.xlsx")
    assert result.communes_heard == 2 and result.communes_silent == 0
    book = load_workbook(result.workbook)
    method = {r[0]: r[1] for r in book["Méthode"].iter_rows(values_only=True)}
    assert (
        "2 commune(s) entendue(s) sur 2" in method["Résumé"] and "1100 habitants sur 1100" in method["Résumé"]
    )
    assert (
        "01002 → 01003"
        in method["Codes de communes fusionnées depuis (comptés pour leur commune d'aujourd'hui)"]
    )
    communes = {r[0]: r for r in book["Communes"].iter_rows(min_row=2, values_only=True)}
    assert communes["01002 Ambérieu (aujourd'hui 01003)"][1] == 800
    assert communes["01003 Ambutrix"][6] == "entendue sous un ancien code"


def test_a_failed_synthesis_leaves_the_previous_one_and_nothing_else(received, tmp_path, monkeypatch):
    import gc
    import sys
    import tempfile

    from mairie_cli.services.association import synthesis

    target = tmp_path / "s.xlsx"
    build_synthesis(received, target)
    before = target.read_bytes()
    temporary = set(Path(tempfile.gettempdir()).glob("openpyxl.*"))
    calls = []

    def failing(values):
        calls.append(values)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return ";".join(values) + "\r\n"

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    monkeypatch.setattr(synthesis, "csv_line", failing)
    with pytest.raises(OSError):
        build_synthesis(received, target)
    gc.collect()
    assert unraisable == []  # no half-written sheet complaining when collected
    assert target.read_bytes() == before and not list(tmp_path.glob(".*partiel"))
    assert set(Path(tempfile.gettempdir()).glob("openpyxl.*")) <= temporary


def test_the_association_corrects_a_theme(received, tmp_path):
    with sqlite3.connect(tmp_path / "asso" / "association.db") as conn:
        uuid = conn.execute("SELECT uuid FROM contributions WHERE text = 'Merci.'").fetchone()[0]
    set_theme(received, uuid[:8], "democratie", ["organisation"])
    result = build_synthesis(received, tmp_path / "s.xlsx")
    rows = list(load_workbook(result.workbook)["Contributions"].iter_rows(values_only=True))
    merci = next(r for r in rows if r[8] == "Merci.")
    assert merci[4] == "Démocratie et citoyenneté" and merci[
        5
    ] == "L'organisation de l'État et des services publics".replace("L'organisation", "Organisation")
    with pytest.raises(Exception) as error:
        set_theme(received, uuid[:8], "inconnu", [])
    assert "n'existe pas" in str(error.value)
    # With a taxonomy of the association's own that has no « organisation », the correction
    # cannot apply: the classifier's theme stands, nothing breaks.
    own = tmp_path / "taxonomie.toml"
    own.write_text(
        'version = "asso-1"\n[officiels]\ndemocratie = "Démocratie"\n'
        '[[theme]]\nid = "democratie"\nlibelle = "Démocratie"\nofficiel = "democratie"\n'
        '  [[theme.sous_theme]]\n  id = "vote"\n  mots = ["vote"]\n',
        encoding="utf-8",
    )
    other = build_synthesis(received, tmp_path / "autre.xlsx", taxonomy_path=own)
    assert other.contributions == 8 and other.taxonomy == "asso-1"


def test_cli_synthese_and_theme(received, tmp_path, cli_at):
    cli = cli_at(received.workspace.root)
    done = cli("asso", "synthese")
    assert done.exit_code == 0, done.output
    assert list((received.workspace.root / "syntheses").glob("synthese-01-*.xlsx"))
    bad = tmp_path / "t.toml"
    bad.write_text('version = "1"\n', encoding="utf-8")
    refused = cli("asso", "synthese", "--taxonomie", str(bad))
    assert (
        refused.exit_code == ExitCode.INVALID_VALUE
        and "[E118]" in refused.stderr
        and "Traceback" not in refused.output
    )
    unknown = cli("asso", "theme", "ffff0000", "fiscalite")
    assert unknown.exit_code == ExitCode.UNKNOWN_CONTRIBUTION
    # Output paths that cannot work are refused before anything is written, in French.
    for options, message in [
        (["--sortie", str(tmp_path / "absent" / "s.xlsx")], "n'existe pas"),
        (["--sortie", str(tmp_path / "s.csv")], "extension .xlsx"),
        (["--sortie", str(tmp_path / "s.xlsx"), "--csv", str(tmp_path / "s.xlsx")], "deux fichiers"),
    ]:
        wrong = cli("asso", "synthese", *options)
        assert wrong.exit_code == ExitCode.INVALID_VALUE and message in wrong.stderr, wrong.output
        assert "Traceback" not in wrong.output
    assert not list(tmp_path.glob("s.*")) and not list(tmp_path.glob(".*partiel"))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent (CI l'installe)")
def test_libreoffice_opens_the_workbook(received, tmp_path):
    result = build_synthesis(received, tmp_path / "synthese.xlsx")
    out = tmp_path / "lo"
    profile = (tmp_path / "profil").as_uri()
    converted = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to",
         'csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,false,false,false,2',
         "--outdir", str(out), str(result.workbook)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    [sheet] = list(out.glob("*.csv"))
    text = sheet.read_text(encoding="utf-8")
    assert "=SOMME(A1:A3) n'est pas une formule" in text  # read as text, not computed
    assert "référendum d'initiative citoyenne" in text
    pdf = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
         "--outdir", str(out), str(result.workbook)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert pdf.returncode == 0 and list(out.glob("*.pdf"))
    _check_printed(next(out.glob("*.pdf")))


def _check_printed(pdf: Path) -> None:
    """What a person gets on paper: every text whole, nothing past a page's edge, few pages."""
    import re

    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = pages.split("\f")[:-1]
    by_sheet: dict[str, list[str]] = {}
    for page in pages:
        header = page.strip().splitlines()[0]
        by_sheet.setdefault(header.split()[-1], []).append(page)
    # Sheets print one after the other, each with its page header; Méthode on one page here.
    assert {"Synthèse", "Contributions", "Communes", "reçus", "Méthode"} <= set(by_sheet), by_sheet.keys()
    assert len(by_sheet["Méthode"]) <= 2 and len(by_sheet["Contributions"]) == 1
    assert all(re.search(r"Page \d+ / " + str(len(pages)), page) for page in pages)
    # Every word of every text is printed (a row too short would cut its last lines).
    printed = set(re.findall(r"\w+", "".join(by_sheet["Contributions"])))
    for text, _ in [entry for entries in TEXTS.values() for entry in entries]:
        missing = set(re.findall(r"\w+", text)) - printed
        assert not missing, (text, missing)
    # The coverage sentence is whole (it was cut at the page's edge).
    summary = " ".join("".join(by_sheet["Synthèse"]).split())
    assert "« à classer »." in summary and "Contributions par thème principal" in summary
    # No word lies past the right edge of its page.
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    for page in re.finditer(r'<page width="([\d.]+)".*?</page>', boxes, re.S):
        right = max((float(x) for x in re.findall(r'xMax="([\d.]+)"', page.group(0))), default=0.0)
        assert right <= float(page.group(1)), "a word printed past the page's edge"


def test_printable_report_in_pdf_and_html(received, tmp_path, cli_at):
    """« --rapport »: a few pages with coverage, themes, charts, masked quotes and the method; the
    PDF embeds its fonts (French accents), the HTML holds everything (offline) and says the same."""
    import re

    cli = cli_at(tmp_path / "asso")
    done = cli("asso", "synthese", "--sortie", str(tmp_path / "s.xlsx"), "--rapport")
    assert done.exit_code == 0, done.output
    pdf, page = tmp_path / "s.pdf", tmp_path / "s.html"
    assert f"Rapport : {pdf}" in done.output and f"Rapport : {page}" in done.output
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts), fonts  # every font embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    assert 2 <= len(pages) <= 8 and f"Page 1 / {len(pages)}" in text
    flat = " ".join(text.split())
    for title in ("Qui a été entendu", "Les quatre thèmes du Grand Débat national", "Les thèmes des cahiers",
                  "Ce que disent les contributions", "Pétitions et lettres types", "Méthode"):  # fmt: skip
        assert title in flat
    assert "2 commune(s) entendue(s) sur les 3 de la liste du département" in flat
    assert "Sans envoi (1) : Ambutrix." in flat and "Taxonomie".lower() in flat.lower()
    html_text = page.read_text(encoding="utf-8")
    assert html_text.count("<svg") == 2 and not re.search(r"(src|href)=\"https?:", html_text)
    quotes = re.findall(r"<blockquote>« (.*?) »<footer>(.*?)</footer>", html_text)
    assert quotes, "no quote chosen"
    for quote, source in quotes:  # the same quotes in the PDF, with their commune
        assert 80 <= len(quote) <= 400
        assert " ".join(quote.split())[:60].replace("&#x27;", "'") in flat.replace("’", "'")
        assert source.startswith(("01001", "01002"))
    # One quote per commune and per group within a theme: the two petitions never both.
    assert sum("habitants du canton" in q or "habitants du village" in q for q, _ in quotes) <= 1
    assert "Dupont" not in flat and "Dupont" not in html_text


def test_rows_written_as_xml_read_back_as_written(tmp_path):
    from openpyxl import load_workbook

    from mairie_cli.synthesis import printing
    from mairie_cli.synthesis.workbook import SynthesisWorkbook

    book = SynthesisWorkbook([("fiscalite", "Fiscalité")], "Titre & <essai>")
    awkward = 'Taxe < 5 % & "TVA" > 20 %\r\nsur deux lignes ' + "très longues " * 20
    book.add_contribution(
        ["01001 Ain", "Cahier", "15/01/2019", "Doléance", "Fiscalité", "", "", 3, awkward, "u-1"],
        "fiscalite", ["01001 Ain", "=SOMME(A1:A3)"],
    )  # fmt: skip
    book.add_commune(["01001 Ain", 150, 1, 0, 1, "15/01/2019", "à jour"])
    book.write_summary([], ["Synthèse"])
    book.write_method([("Méthode", "mots-clés")])
    book.save(tmp_path / "s.xlsx")
    workbook = load_workbook(tmp_path / "s.xlsx")
    contributions = workbook["Contributions"]
    assert [c.value for c in contributions[2]][7:9] == [3, awkward]
    assert contributions["I2"].alignment.wrap_text and contributions["A1"].font.bold
    assert contributions.row_dimensions[2].height == printing.height(printing.lines(awkward, 64))
    assert workbook["Fiscalité"]["B2"].value == "=SOMME(A1:A3)"
    assert workbook["Fiscalité"]["B2"].data_type == "s"  # text, never a formula
    assert [c.value for c in workbook["Communes"][2]][:3] == ["01001 Ain", 150, 1]
    assert contributions.freeze_panes == "A2" and contributions.auto_filter.ref == "A1:J2"
