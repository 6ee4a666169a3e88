"""Every command speaks French, every error code is documented, --help starts light."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from mairie_cli.cli.app import app
from mairie_cli.errors import all_error_classes

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = re.compile(r"\b(Show this|Usage:|Commands:|Options:|default:|required\]|TEXT|INTEGER|PATH)\b")


def all_commands():
    root = typer.main.get_command(app)
    found = []

    def walk(group, path):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            found.append(([*path, name], command))

    walk(root, [])
    return found


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=lambda p: " ".join(p))
def test_every_command_has_french_help(bare_cli, path):
    result = bare_cli(*path, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Utilisation : mairie " + " ".join(path))
    assert not ENGLISH.search(result.stdout), result.stdout
    assert "Afficher cette aide et quitter." in result.stdout


def test_every_option_has_help():
    for path, command in all_commands():
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"mairie {' '.join(path)} {param.opts[0]} has no help"
        assert command.help, f"mairie {' '.join(path)} has no help"


def test_every_error_code_is_documented():
    doc = (ROOT / "docs" / "erreurs.md").read_text(encoding="utf-8")
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes)), "two error classes share a code"
    for cls in all_error_classes():
        assert f"| {cls.code} | {int(cls.exit_code)} |" in doc, cls.__name__


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "./dev demo" in head and "./dev test" in head
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in ci


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys, mairie_cli.cli.app\n"
        "heavy = [m for m in ('openpyxl', 'PIL', 'pytesseract', 'sqlite_utils', 'rich', 'pyrage', 'minisign', 'cryptography', 'matplotlib', 'fpdf') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    result = subprocess.run(
        [sys.executable, "-m", "mairie_cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "Commandes :" in result.stdout
