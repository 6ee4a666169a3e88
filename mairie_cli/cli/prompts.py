"""Small interactions with the person at the keyboard: yes/no questions and the text editor."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import typer

from mairie_cli.errors import EditorFailed
from mairie_cli.files import cause

_YES = {"o", "oui", "y", "yes"}
_NO = {"n", "non", "no", ""}


def read_line(prompt: str) -> str:
    """One line typed after ``prompt`` (without its line end); ``EOFError`` when input ends."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if line == "":
        raise EOFError
    return line.rstrip("\r\n")


def read_text() -> str:
    """Lines typed after « > » until an empty one, joined; ``EOFError`` when input ends."""
    lines: list[str] = []
    while (line := read_line("> ")).strip():
        lines.append(line)
    return "\n".join(lines).strip()


def confirm(question: str) -> bool:
    """Ask a yes/no question on stderr; Entrée means no."""
    while True:
        typer.echo(f"{question} [o/N] ", nl=False, err=True)
        line = sys.stdin.readline()
        if line == "":
            typer.echo("", err=True)
            return False
        answer = line.strip().lower()
        if answer in _YES:
            return True
        if answer in _NO:
            return False
        typer.echo("Répondez o (oui) ou n (non).", err=True)


def _editor_command() -> list[str]:
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if chosen:
        return shlex.split(chosen, posix=os.name != "nt")
    if os.name == "nt":
        return ["notepad"]
    for candidate in ("nano", "vi"):
        if shutil.which(candidate):
            return [candidate]
    raise EditorFailed(
        "Aucun éditeur de texte n'est disponible. Indiquez-en un dans la variable EDITOR, ou "
        "corrigez directement avec --texte « nouveau texte »."
    )


def edit_text(text: str) -> str:
    """Open ``text`` in the user's editor ($VISUAL, $EDITOR, Notepad on Windows) and return it."""
    command = _editor_command()
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the editor opens it
        "w", suffix=".txt", prefix="mairie-", delete=False, encoding="utf-8"
    )
    path = Path(handle.name)
    try:
        with handle:
            handle.write(text + "\n")
        try:
            completed = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise EditorFailed(
                f"Impossible de lancer l'éditeur « {command[0]} » ({cause(exc)}). Indiquez-en "
                "un autre dans la variable EDITOR, ou corrigez avec --texte « nouveau texte »."
            ) from None
        if completed.returncode != 0:
            raise EditorFailed(
                f"L'éditeur « {command[0]} » s'est arrêté en erreur : la contribution n'a pas été modifiée."
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
