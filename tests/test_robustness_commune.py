"""The commune side never repairs things silently and loses nothing: missing keys, an empty or
truncated database, a foreign SQLite file, backups and restorations, bad input of every kind
(control characters, NUL bytes, hostile workbooks, huge PDF pages, bytes that are not text)."""

import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from mairie_cli.errors import ExitCode
from mairie_cli.models import NewContribution
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.commune.register import Register


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# -- keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["commune.key", "pseudonymes.key"])
def test_a_lost_key_stops_the_export_with_the_remedy(folder, cli, key):
    cli("ajouter", "--texte", "Rouvrir la poste")
    lost = folder / "cles" / key
    lost.unlink()
    before = files_of(folder / "cles")
    for command in (["exporter", "--sans-chiffrement"], ["cle"]):
        result = cli(*command)
        assert result.exit_code == ExitCode.KEY_PROBLEM, result.output
        assert "[E151]" in result.stderr and "a disparu" in result.stderr
        assert "mairie restaurer" in result.stderr and "mairie cle --nouvelle" in result.stderr
    again = cli("init", "--commune", "01001")
    assert again.exit_code == ExitCode.KEY_PROBLEM
    assert not lost.exists() and files_of(folder / "cles") == before  # nothing recreated
    assert not list((folder / "exports").glob("doleances-*"))


def test_a_new_key_only_when_asked(folder, cli):
    old = (folder / "cles" / "commune.pub").read_text(encoding="utf-8")
    (folder / "cles" / "commune.key").unlink()
    result = cli("cle", "--nouvelle")
    assert result.exit_code == 0, result.output
    assert (folder / "cles" / "commune.pub").read_text(encoding="utf-8") != old
    assert "appelez l'association" in result.stderr
    assert cli("exporter", "--sans-chiffrement").exit_code == 0
    kept = (folder / "cles" / "pseudonymes.key").read_bytes()
    assert cli("cle", "--nouvelle").exit_code == 0  # nothing missing: nothing replaced
    assert (folder / "cles" / "pseudonymes.key").read_bytes() == kept


# -- the database file ---------------------------------------------------------------------------


def test_an_empty_database_is_refused_not_recreated(folder, cli):
    db = folder / "mairie.db"
    for extra in ("mairie.db-wal", "mairie.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    db.write_bytes(b"")
    result = cli("liste")
    assert result.exit_code == ExitCode.DATABASE_CORRUPT
    assert "vide (0 octet)" in result.stderr and "mairie restaurer" in result.stderr
    assert db.read_bytes() == b"" and not (folder / "mairie.db-wal").exists()
    assert cli("init", "--commune", "01001").exit_code == ExitCode.DATABASE_CORRUPT
    assert db.read_bytes() == b""


def test_a_truncated_database_is_refused(folder):
    with Register.open(folder) as register:
        for number in range(300):
            register.add(NewContribution(text=f"Contribution numéro {number} " + "texte " * 40))
    db = folder / "mairie.db"
    assert not (folder / "mairie.db-wal").exists()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    from mairie_cli.errors import DatabaseCorrupt

    with pytest.raises(DatabaseCorrupt) as error:
        Register.open(folder)
    assert "tronquée" in error.value.message
    assert len(db.read_bytes()) == len(data) // 2


def test_a_foreign_sqlite_file_is_not_touched(tmp_path, bare_cli):
    workspace = tmp_path / "autre"
    workspace.mkdir()
    db = workspace / "mairie.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE clients (nom TEXT)")
        conn.execute("INSERT INTO clients VALUES ('Dupont')")
    conn.close()
    before = files_of(workspace)
    result = bare_cli("--dossier", str(workspace), "liste")
    assert result.exit_code == ExitCode.DATABASE_CORRUPT
    assert "n'a pas été modifié" in result.stderr
    assert files_of(workspace) == before  # not switched to WAL, no -wal or -shm left


# -- backups -----------------------------------------------------------------------------------


def test_backup_and_restore_carry_on_where_the_pc_died(folder, tmp_path, cli, cli_at):
    cli("ajouter", "--texte", "Rouvrir la poste", "--auteur", "Jean Dupont")
    assert cli("exporter", "--sans-chiffrement").exit_code == 0
    key = (folder / "cles" / "commune.pub").read_text(encoding="utf-8")
    usb = tmp_path / "CLE_USB"
    usb.mkdir()
    result = cli("sauvegarder", "--vers", str(usb))
    assert result.exit_code == 0, result.output
    [backup] = usb.glob("sauvegarde-commune-01001-*")
    assert not list(usb.glob(".*"))  # written under a temporary name, then renamed
    assert cli("sauvegarder", "--vers", str(folder / "exports")).exit_code == ExitCode.INVALID_VALUE
    shutil.rmtree(folder)  # the PC died
    restored = cli_at(folder)("restaurer", str(backup))
    assert restored.exit_code == 0, restored.output
    assert (folder / "cles" / "commune.pub").read_text(encoding="utf-8") == key
    assert "Rouvrir la poste" in cli("liste").stdout
    cli("ajouter", "--texte", "Et le bus du mardi")
    exported = cli("exporter", "--sans-chiffrement", "--json")
    assert '"sequence": 2' in exported.stdout  # the ledger came back: numbering goes on
    refused = cli_at(folder)("restaurer", str(backup))
    assert refused.exit_code == ExitCode.WORKSPACE_CONFLICT
    replaced = cli_at(folder)("restaurer", str(backup), "--remplacer")
    assert replaced.exit_code == 0 and "mis de côté" in replaced.stderr
    assert list(folder.glob("avant-restauration-*/mairie.db"))


def test_a_damaged_backup_is_refused_before_anything_is_copied(folder, tmp_path, cli, cli_at):
    usb = tmp_path / "usb"
    usb.mkdir()
    cli("sauvegarder", "--vers", str(usb))
    [backup] = usb.glob("sauvegarde-*")
    key = backup / "cles" / "commune.key"
    key.write_bytes(key.read_bytes()[:-3] + b"xyz")
    target = tmp_path / "nouveau-pc"
    result = cli_at(target)("restaurer", str(backup))
    assert result.exit_code == ExitCode.INVALID_VALUE and "abîmé" in result.stderr
    assert not (target / "mairie.db").exists()


def test_the_association_is_backed_up_too(tmp_path, cli_at):
    association, _ = Association.init(tmp_path / "asso", "01", "AMR")
    association.close()
    usb = tmp_path / "usb"
    usb.mkdir()
    at = cli_at(tmp_path / "asso")
    assert at("asso", "sauvegarder", "--vers", str(usb)).exit_code == 0
    [backup] = usb.glob("sauvegarde-association-01-*")
    assert cli_at(tmp_path / "commune")("restaurer", str(backup)).exit_code == ExitCode.INVALID_VALUE
    restored = cli_at(tmp_path / "asso2")("asso", "restaurer", str(backup))
    assert restored.exit_code == 0, restored.output
    with Association.open(tmp_path / "asso2") as copy:
        assert copy.department == "01" and copy.identity_path.exists()


# -- text and files that enter ---------------------------------------------------------------


def test_control_characters_are_removed_where_text_enters(folder, cli, tmp_path):
    result = cli("ajouter", "--texte", "Cloche\x07 et \x1b[31mcouleur", "--auteur", "Jean\x1b Dupont")
    assert result.exit_code == 0
    rows = tmp_path / "saisie.csv"
    filler = "".join(f"Contribution de remplissage numéro {n};doléance\n" for n in range(300))
    rows.write_bytes(("Texte;Nature\n" + filler + "Avec un nul\x00 au milieu;proposition\n").encode())
    assert rows.stat().st_size > 8192
    imported = cli("importer", str(rows))
    assert imported.exit_code == 0, imported.output
    with Register.open(folder) as register:
        texts = [c.text for c in register.contributions()] + [
            c.author or "" for c in register.contributions()
        ]
    assert "Cloche et [31mcouleur" in texts and "Avec un nul au milieu" in texts and "Jean Dupont" in texts
    assert not any(c in t for t in texts for c in "\x00\x07\x1b")


def test_a_workbook_with_xml_entities_is_refused_in_french(folder, cli, tmp_path):
    clean = tmp_path / "propre.xlsx"
    book = Workbook()
    book.active.append(["Texte"])
    book.active.append(["Rouvrir la poste"])
    book.save(clean)
    evil = tmp_path / "piege.xlsx"
    entities = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    with zipfile.ZipFile(clean) as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"Rouvrir la poste" in data
                data = entities.encode() + data.replace(b"Rouvrir la poste", b"&c;")
            target.writestr(item, data)
    result = cli("importer", str(evil))
    assert result.exit_code == ExitCode.NOT_A_SPREADSHEET, result.output
    assert "[E132]" in result.stderr and "entités XML" in result.stderr


def test_a_pdf_declaring_a_huge_page_is_rendered_under_the_budget(tmp_path, monkeypatch):
    import pypdfium2 as pdfium

    from mairie_cli.ocr import sources

    pdf = tmp_path / "immense.pdf"
    document = pdfium.PdfDocument.new()
    document.new_page(200 * 72, 200 * 72)  # 200 inches square: 3.6 billion pixels at 300 dpi
    document.save(pdf)
    assert sources.render_scale(200 * 72, 200 * 72) ** 2 * (200 * 72) ** 2 <= sources.MAX_PIXELS * 1.001
    assert sources.render_scale(595, 842) == 300 / 72  # an A4 page keeps 300 dpi
    monkeypatch.setattr(sources, "MAX_PIXELS", 2_000_000)  # the same rule, smaller, for a quick test
    image, text, dpi = sources.load_page(pdf, "pdf", 0)
    assert image.width * image.height <= 2_000_000 and dpi < 300


@pytest.mark.slow
def test_bytes_that_are_not_text_get_a_french_sentence(folder, tmp_path):
    mairie = [sys.executable, "-m", "mairie_cli", "--dossier", str(folder)]
    argument = subprocess.run([*mairie, "importer", b"\xff\xfe.csv"], capture_output=True)
    assert argument.returncode == ExitCode.INVALID_VALUE, argument.stderr
    assert "caractères illisibles" in argument.stderr.decode() and b"E199" not in argument.stderr
    typed = subprocess.run(
        [*mairie, "saisir"], input=b"\n\xff\xfe ma rue\n\n\n\n", capture_output=True, timeout=60,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin", "MAIRIE_UTILISATEUR": "test"},
    )  # fmt: skip
    assert b"E199" not in typed.stderr and b"Traceback" not in typed.stderr, typed.stderr
