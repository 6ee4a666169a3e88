"""Starting right: the commune's code checked against the official list, a wrong one corrected
before the first bundle, the workspace found from its sub-folders, help in plain French."""

import json
import re
from pathlib import Path

import pytest

from mairie_cli import communes
from mairie_cli.cli.app import app
from mairie_cli.errors import ExitCode
from mairie_cli.services.commune.register import Register


def test_the_official_list_is_carried_with_its_source():
    assert communes.lookup("01001").name == "L'Abergement-Clémenciat"
    assert communes.lookup("2A004").name == "Ajaccio"
    assert communes.lookup("97411").name == "Saint-Denis"
    assert communes.lookup("71999") is None
    assert "@etalab/decoupage-administratif" in communes.source() and "MIT" in communes.source()
    merged = communes.lookup("01003")  # merged since 2019: the list still knows it
    assert merged.kind == "ancienne" and communes.lookup(merged.parent).kind == "actuelle"


def test_init_refuses_a_code_no_commune_has(bare_cli, tmp_path):
    result = bare_cli("init", "--commune", "71999", "--dossier", str(tmp_path / "c"))
    assert result.exit_code == ExitCode.INVALID_INSEE
    assert "[E111] Aucune commune n'a le code INSEE 71999" in result.stderr
    assert not (tmp_path / "c" / "mairie.db").exists()


def test_a_postcode_typed_for_the_insee_code_is_recognised(bare_cli, tmp_path):
    result = bare_cli("init", "--commune", "01470", "--dossier", str(tmp_path / "c"))
    assert "01470 est un code postal, pas un code INSEE" in result.stderr
    assert "Seillonnaz (01400)" in result.stderr
    # 01400 is both an INSEE code (Seillonnaz) and L'Abergement-Clémenciat's postcode.
    named = bare_cli(
        "init", "--commune", "01400", "--nom", "L'Abergement-Clémenciat", "--dossier", str(tmp_path / "c")
    )
    assert named.exit_code == ExitCode.INVALID_INSEE
    assert "01400 est le code postal de L'Abergement-Clémenciat, dont le code INSEE est 01001" in named.stderr


def test_init_fills_the_official_name_and_accepts_close_spellings(bare_cli, tmp_path):
    assert bare_cli("init", "--commune", "01001", "--dossier", str(tmp_path / "a")).exit_code == 0
    close = bare_cli(
        "init", "--commune", "01002", "--nom", "abergement de varey", "--dossier", str(tmp_path / "b")
    )
    assert close.exit_code == 0, close.stderr
    for folder, name in (("a", "L'Abergement-Clémenciat"), ("b", "L'Abergement-de-Varey")):
        with Register.open(tmp_path / folder) as register:
            assert register.commune.name == name


def test_a_merged_commune_code_is_accepted_and_explained(bare_cli, tmp_path):
    result = bare_cli("init", "--commune", "01003", "--nom", "Amareins", "--dossier", str(tmp_path / "c"))
    assert result.exit_code == 0, result.stderr
    assert "l'ancienne commune 01003, aujourd'hui dans" in result.stderr


def test_a_wrong_code_is_corrected_until_the_first_export(cli, folder, tmp_path):
    changed = cli("config", "commune", "01002")
    assert changed.exit_code == 0, changed.stderr
    assert "01001 (L'Abergement-Clémenciat) → 01002 (L'Abergement-de-Varey)" in changed.stderr
    assert "commune 01002" in (folder / "cles" / "commune.pub").read_text(encoding="utf-8")
    assert json.loads(cli("config", "voir", "--json").stdout)["commune"] == "01002 L'Abergement-de-Varey"
    wrong = cli("config", "commune", "71999")
    assert wrong.exit_code == ExitCode.INVALID_INSEE
    cli("ajouter", "--texte", "Garder la poste.")
    assert cli("exporter", "--sans-chiffrement").exit_code == 0
    late = cli("config", "commune", "01001")
    assert late.exit_code == ExitCode.WORKSPACE_CONFLICT
    assert "a déjà envoyé 1 paquet(s)" in late.stderr
    with Register.open(folder) as register:
        assert register.commune.insee == "01002"
        assert [e["action"] for e in register.store.journal_for("commune", "01002")] == ["config-commune"]


def test_commands_find_the_workspace_from_a_sub_folder_and_never_nest_one(bare_cli, folder, monkeypatch):
    monkeypatch.chdir(folder / "scans")
    state = bare_cli("etat")
    assert state.exit_code == 0 and "Commune 01001" in state.stdout
    nested = bare_cli("init", "--commune", "01002")
    assert nested.exit_code == ExitCode.WORKSPACE_CONFLICT
    assert "à l'intérieur de l'espace de travail d'une commune" in nested.stderr
    assert not (folder / "scans" / "mairie.db").exists() and not (folder / "scans" / "cles").exists()
    nested_asso = bare_cli("asso", "init", "--departement", "01")
    assert nested_asso.exit_code == ExitCode.WORKSPACE_CONFLICT
    assert not (folder / "scans" / "association.db").exists()


def _all_commands(group, path=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _all_commands(command, (*path, name))
        else:
            yield (*path, name)


def test_help_is_plain_french_without_programmer_notation(bare_cli):
    import typer.main

    root = typer.main.get_command(app)
    seen = 0
    for path in _all_commands(root):
        shown = bare_cli(*path, "--help")
        assert shown.exit_code == 0, path
        text = shown.stdout
        for notation in (r"<[a-zA-Z\[\]]+>", r"\{[A-Z_]+\}", r"x>=", r"x<=", "Usage", "Did you mean"):
            assert not re.search(notation, text), (path, notation, text)
        seen += 1
    assert seen >= 30


def test_mairie_alone_prints_its_help_once(bare_cli):
    result = bare_cli()
    assert result.exit_code == 0
    assert result.output.count("Utilisation : mairie") == 1 and "Erreur" not in result.output


def test_a_mistyped_command_gets_a_french_suggestion(bare_cli):
    result = bare_cli("exportr")
    assert result.exit_code == ExitCode.USAGE
    assert "La commande « exportr » n'existe pas. Vouliez-vous dire « exporter »" in result.stderr


@pytest.mark.parametrize(
    "words", [["«", "Cahier", "de", "doléances", "»"], ["Cahier de doléances"], ["Cahier", "de", "doléances"]]
)
def test_the_readme_example_works_when_copied_literally(cli, words):
    result = cli("cahier", "ouvrir", *words, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "Cahier de doléances"


def test_a_workspace_in_the_environment_variable_is_found_from_inside(bare_cli, folder: Path, monkeypatch):
    monkeypatch.setenv("MAIRIE_DOSSIER", str(folder / "exports"))
    assert bare_cli("etat").exit_code == 0
