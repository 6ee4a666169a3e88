"""Shared fixtures: every test runs in its own folder with its own environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from mairie_cli.cli.app import app
from mairie_cli.services.commune.register import Register

# The same examples on every run, so that CI never fails on a draw a developer cannot replay.
settings.register_profile("mairie", derandomize=True, print_blob=True)
settings.load_profile("mairie")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the developer's workspace, editor or user name."""
    monkeypatch.delenv("MAIRIE_DOSSIER", raising=False)
    monkeypatch.delenv("MAIRIE_DEBUG", raising=False)
    monkeypatch.setenv("MAIRIE_UTILISATEUR", "secretaire")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An initialised commune workspace with one open cahier."""
    workspace = tmp_path / "mairie"
    register, _ = Register.init(workspace, "01001", "L'Abergement-Clémenciat")
    with register:
        register.open_cahier("Cahier de doléances 2019")
    return workspace


@pytest.fixture
def register(folder: Path):
    with Register.open(folder) as opened:
        yield opened


class Cli:
    """Runs ``mairie`` in-process and keeps stdout and stderr apart."""

    def __init__(self, folder: Path | None = None) -> None:
        self.runner = CliRunner()
        self.folder = folder

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None):
        full = (["--dossier", str(self.folder)] if self.folder else []) + list(args)
        return self.runner.invoke(app, full, input=input, env=env)


@pytest.fixture
def cli(folder: Path) -> Cli:
    """``mairie --dossier <workspace> …`` in-process."""
    return Cli(folder)


@pytest.fixture
def bare_cli() -> Cli:
    """``mairie …`` in the test's own (empty) folder."""
    return Cli()


@pytest.fixture
def cli_at() -> type[Cli]:
    """``Cli(folder)``: ``mairie --dossier <folder> …`` for any folder (``Cli()`` for none)."""
    return Cli
