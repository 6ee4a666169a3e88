"""The command line: exit codes and the exact French messages."""

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from mairie_cli.errors import ExitCode


def test_init_twice_and_conflict(bare_cli, tmp_path):
    first = bare_cli("init", "--commune", "01001", "--nom", "L'Abergement-Clémenciat")
    assert first.exit_code == 0, first.output
    assert "Espace de travail créé pour la commune 01001 (L'Abergement-Clémenciat)." in first.stderr
    assert (tmp_path / "mairie.db").is_file() and (tmp_path / "scans").is_dir()
    second = bare_cli("init", "--commune", "01001")
    assert second.exit_code == 0
    assert "existe déjà : rien n'a été effacé" in second.stderr
    other = bare_cli("init", "--commune", "2A004")
    assert other.exit_code == ExitCode.WORKSPACE_CONFLICT
    assert other.stderr.startswith("Erreur : [E102] Ce dossier appartient déjà à la commune 01001")


def test_init_in_named_folder_and_env(bare_cli, tmp_path, monkeypatch):
    result = bare_cli("init", "--commune", "97411", "--dossier", str(tmp_path / "reunion"))
    assert result.exit_code == 0
    assert (tmp_path / "reunion" / "mairie.db").is_file()
    monkeypatch.setenv("MAIRIE_DOSSIER", str(tmp_path / "reunion"))
    state = bare_cli("etat", "--json")
    assert json.loads(state.stdout)["commune"]["department"] == "974"


def test_bad_insee(bare_cli):
    result = bare_cli("init", "--commune", "1001")
    assert result.exit_code == ExitCode.INVALID_INSEE
    assert result.stderr.startswith("Erreur : [E111] Le code INSEE « 1001 » n'est pas valide")
    assert "Traceback" not in result.output


def test_no_workspace(bare_cli, tmp_path):
    result = bare_cli("liste")
    assert result.exit_code == ExitCode.WORKSPACE_NOT_FOUND
    assert result.stderr == (
        f"Erreur : [E101] Aucun espace de travail mairie dans « {tmp_path} ». Créez-le avec "
        "« mairie init --commune CODE_INSEE », ou indiquez le bon dossier avec --dossier.\n"
    )


def test_cahier_commands(cli):
    opened = cli("cahier", "ouvrir", "Cahier n° 2", "--ouvert-le", "02/01/2019")
    assert opened.exit_code == 0
    assert "Cahier n° 2 ouvert : « Cahier n° 2 »." in opened.stderr
    listed = json.loads(cli("cahier", "liste", "--json").stdout)
    assert [(c["id"], c["opened_on"]) for c in listed] == [(1, None), (2, "2019-01-02")]
    closed = cli("cahier", "fermer", "2", "--ferme-le", "01/01/2019")
    assert closed.exit_code == ExitCode.INVALID_VALUE
    assert "il ne peut pas être fermé avant" in closed.stderr
    assert cli("cahier", "fermer", "2", "--ferme-le", "15/03/2019").exit_code == 0


def test_add_list_show_correct_delete(cli):
    added = cli("ajouter", "--texte", "Les déserts médicaux", "--nature", "doleance",
                "--date", "12/12/2018", "--auteur", "Jean", "--page", "4")  # fmt: skip
    assert added.exit_code == 0, added.output
    uuid = added.stdout.strip()
    assert len(uuid) == 36
    assert f"Contribution {uuid[:8]} enregistrée (cahier 1, n° 1)." in added.stderr

    rows = json.loads(cli("liste", "--json").stdout)
    assert [(r["uuid"], r["nature"], r["written_on"], r["page_number"]) for r in rows] == [
        (uuid, "doleance", "2018-12-12", 4)
    ]
    shown = cli("voir", uuid[:6])
    assert "Les déserts médicaux" in shown.stdout and "création (version 1) par secretaire" in shown.stdout

    fixed = cli("corriger", uuid[:6], "--texte", "Les déserts médicaux s'étendent", "--nature", "p")
    assert fixed.exit_code == 0
    assert f"Contribution {uuid[:8]} corrigée (version 2)." in fixed.stderr
    same = cli("corriger", uuid[:6], "--texte", "Les déserts médicaux s'étendent")
    assert "Aucune modification" in same.stderr

    refused = cli("supprimer", uuid[:6], input="n\n")
    assert refused.exit_code == 1
    assert json.loads(cli("liste", "--json").stdout)[0]["deleted_at"] is None
    deleted = cli("supprimer", uuid[:6], input="o\n")
    assert deleted.exit_code == 0, deleted.output
    assert json.loads(cli("liste", "--json").stdout) == []
    history = json.loads(cli("voir", uuid, "--json").stdout)["history"]
    assert [h["action"] for h in history] == ["create", "update", "delete"]
    again = cli("supprimer", uuid, "--oui")
    assert again.exit_code == ExitCode.DELETED_CONTRIBUTION


def test_correct_in_editor(cli, tmp_path):
    uuid = cli("ajouter", "--texte", "Fermeture de l'ecole").stdout.strip()
    editor = tmp_path / "editeur.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text(encoding='utf-8').replace('ecole', 'école'), encoding='utf-8')\n",
        encoding="utf-8",
    )
    result = cli("corriger", uuid[:8], env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert result.exit_code == 0, result.output
    assert json.loads(cli("voir", uuid, "--json").stdout)["text"] == "Fermeture de l'école"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ajouter", "--texte", "x", "--date", "31/02/2019"], ExitCode.INVALID_DATE,
         "Erreur : [E112] La date « 31/02/2019 » n'existe pas dans le calendrier : vérifiez le jour et le mois.\n"),
        (["ajouter", "--texte", "x", "--date", "12/12/2091"], ExitCode.INVALID_DATE, None),
        (["ajouter", "--texte", "  "], ExitCode.EMPTY_TEXT,
         "Erreur : [E113] Le texte de la contribution est vide : rien n'a été enregistré.\n"),
        (["ajouter", "--texte", "x", "--nature", "grief?"], ExitCode.INVALID_NATURE, None),
        (["ajouter", "--texte", "x", "--cahier", "7"], ExitCode.UNKNOWN_CAHIER, None),
        (["ajouter", "--texte", "x", "--page", "0"], ExitCode.INVALID_VALUE, None),
        (["voir", "abcdef"], ExitCode.UNKNOWN_CONTRIBUTION, None),
        (["chercher", "**"], ExitCode.INVALID_QUERY, "Erreur : [E141] Indiquez au moins un mot à chercher.\n"),
    ],
)  # fmt: skip
def test_errors_are_french_sentences(cli, args, code, message):
    result = cli(*args)
    assert result.exit_code == code
    assert result.stderr.startswith("Erreur : [E1")
    assert "Traceback" not in result.output
    if message:
        assert result.stderr == message


def test_usage_errors_in_french(cli):
    missing = cli("ajouter")
    assert missing.exit_code == ExitCode.USAGE
    assert "Erreur : il manque l'option « --texte »." in missing.stderr
    assert "Tapez « mairie ajouter --help » pour l'aide." in missing.stderr
    wrong = cli("liste", "--cahier", "un")
    assert "Erreur : valeur refusée pour « --cahier » : un nombre entier est attendu." in wrong.stderr
    unknown = cli("liste", "--foo")
    assert "Erreur : l'option « --foo » n'existe pas." in unknown.stderr
    command = cli("lister")
    assert command.exit_code == ExitCode.USAGE
    assert "La commande « lister » n'existe pas." in command.stderr


def test_search_command(cli):
    cli("ajouter", "--texte", "Les déserts médicaux gagnent du terrain.")
    cli("ajouter", "--texte", "Rouvrir la gare.")
    found = cli("chercher", "deserts", "MEDICAUX", "--json")
    data = json.loads(found.stdout)
    assert data["total"] == 1
    assert data["results"][0]["snippet"].startswith("Les **déserts** **médicaux**")
    human = cli("chercher", "gare")
    assert "1 contribution(s) trouvée(s)." in human.stderr
    assert "gare" in human.stdout


def test_state_command(cli):
    cli("ajouter", "--texte", "a", "--nature", "p")
    cli("ajouter", "--texte", "b")
    data = json.loads(cli("etat", "--json").stdout)
    assert data["total"] == 2 and data["natures"]["proposition"] == 1
    human = cli("etat")
    assert "Commune 01001 — L'Abergement-Clémenciat" in human.stdout
    assert "2 contribution(s), 0 supprimée(s)" in human.stdout


def test_import_command(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("Date;Texte\r\n12/12/2018;Réparer la route\r\n".encode("cp1252"))
    result = cli("importer", str(path))
    assert result.exit_code == 0, result.output
    assert "texte   ← colonne « Texte »" in result.stderr
    assert "1 contribution(s) importée(s) dans le cahier n° 1." in result.stderr
    again = cli("importer", str(path), "--json")
    assert json.loads(again.stdout)["already_present"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("Texte;Date\nok;12/12/2018\nko;32/12/2018\n", encoding="utf-8")
    refused = cli("importer", str(bad))
    assert refused.exit_code == ExitCode.ROWS_REJECTED
    assert "  - ligne 3 : La date « 32/12/2018 » n'existe pas dans le calendrier" in refused.stderr
    assert json.loads(cli("etat", "--json").stdout)["total"] == 1
    option = cli("importer", str(bad), "--colonne", "titre=X")
    assert option.exit_code == ExitCode.INVALID_VALUE


def test_corrupt_database_cli(cli, folder: Path):
    for extra in ("mairie.db-wal", "mairie.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    (folder / "mairie.db").write_bytes(b"\x00garbage" * 512)
    result = cli("liste")
    assert result.exit_code == ExitCode.DATABASE_CORRUPT
    assert result.stderr.startswith("Erreur : [E103]")


def test_newer_database_cli(cli, folder: Path):
    conn = sqlite3.connect(folder / "mairie.db")
    conn.execute("PRAGMA user_version = 42")
    conn.close()
    result = cli("etat")
    assert result.exit_code == ExitCode.DATABASE_TOO_NEW
    assert "mettez mairie à jour" in result.stderr


def test_version(bare_cli):
    from mairie_cli import __version__

    assert bare_cli("--version").stdout == f"mairie {__version__}\n"


def test_state_mentions_drafts_pages_and_exports(cli, register):
    from mairie_cli.models import NewContribution, Source

    register.add(NewContribution(text="Brouillon lu par l'OCR.", source=Source.OCR, status="brouillon"))
    human = cli("etat")
    assert "1 brouillon(s) de l'OCR à relire : « mairie relire »." in human.stdout
    assert "Aucun paquet exporté pour l'instant" in human.stdout
    data = json.loads(cli("etat", "--json").stdout)
    assert (data["drafts"], data["pages"], data["last_export"]) == (1, {}, None)
    listed = cli("liste")
    assert "(brouillon) Brouillon lu par l'OCR." in listed.stdout
