"""The person at the keyboard: lines and texts with real editing, single keys, yes/no, the editor.

At a terminal every answer is edited with prompt_toolkit (arrows, Home/End, Ctrl+arrows by word,
the answers already given with ↑, a text on several lines pre-filled when it is corrected).
When the input is not a terminal (a script, a test, a pipe) the same questions read plain lines:
a text then ends with a line holding only « . », as it does at the terminal.
prompt_toolkit is imported on first use, so that ``mairie --help`` stays fast.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from mairie_cli.errors import EditorFailed
from mairie_cli.files import cause

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

_YES = {"o", "oui", "y", "yes"}
_NO = {"n", "non", "no", ""}
END_OF_TEXT = "."  # a line holding only this ends a text
TEXT_HELP = "Entrée : nouvelle ligne · Tab (ou une ligne « . ») : texte terminé · Ctrl+F : chercher un mot"
ENTRY_HELP = (
    "Entrée : nouvelle ligne · Tab : texte terminé, puis auteur et page · "
    "Ctrl+S : enregistrer tout de suite (sans auteur, même page) · Ctrl+F : chercher un mot"
)
_sessions: dict[str, PromptSession[str]] = {}
_ended_by_save = [False]  # how the last text at the terminal was ended: Ctrl+S, or Tab and the like


def interactive() -> bool:
    """True when a person types at a terminal (both ends are a console)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def read_line(prompt: str, *, default: str = "", history: str = "") -> str:
    """One answer typed after ``prompt``, pre-filled with ``default``; ``EOFError`` when input ends.

    Answers given at prompts of the same ``history`` name come back with ↑.
    """
    if not interactive():
        line = _plain_line(prompt)
        return line if line or not default else default
    return _session(history or prompt).prompt(prompt, default=default)


def read_text(*, default: str = "") -> str:
    """A text of one or more paragraphs, pre-filled with ``default`` when it is corrected.

    Entrée starts a new line (an empty line separates paragraphs); Tab, Échap then Entrée, or a
    line holding only « . » ends the text. ``EOFError`` when input ends (Ctrl+D on an empty text).
    """
    return read_entry_text(default=default, toolbar=TEXT_HELP)[0]


def read_entry_text(*, default: str = "", toolbar: str = ENTRY_HELP) -> tuple[str, bool]:
    """A text as :func:`read_text` reads it, and whether it was ended by Ctrl+S (« save now »)."""
    if not interactive():
        lines: list[str] = []
        while (line := _plain_line("> ")).strip() != END_OF_TEXT:
            lines.append(line)
        return "\n".join(lines).strip() or default, False
    _ended_by_save[0] = False
    text = _text_session().prompt("> ", default=default, bottom_toolbar=" " + toolbar)
    return _without_end_line(text).strip(), _ended_by_save[0]


def read_key(prompt: str, keys: str) -> str:
    """One key among ``keys`` (Entrée gives ""), without Entrée at a terminal; lower case."""
    while True:
        if interactive():
            typer.echo(prompt, nl=False)
            key = _key()
            if key == "\x03":
                raise KeyboardInterrupt
            if key == "\x04":
                raise EOFError
            answer = "" if key in ("\r", "\n") else key.lower()
            typer.echo(answer if answer.strip() else "")
        else:
            answer = _plain_line(prompt).strip().lower()
        if answer == "" or answer in keys:
            return answer
        typer.secho(f"Touche inconnue. Tapez l'une de : {' '.join(keys)} (ou Entrée).", fg="red")


def _key() -> str:
    """One key pressed, without Entrée. Keys typed ahead while mairie was busy are kept, one per
    call: click's ``getchar`` empties the input first on Linux and macOS (a secretary who types
    ahead would lose keys); on Windows it keeps them."""
    if os.name == "nt":
        return typer.getchar()
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)  # not TCSAFLUSH: what was typed ahead stays to be read
        data = os.read(fd, 1)
        if not data:  # the terminal is gone: as Ctrl+D, never as Entrée
            raise EOFError
        if data == b"\x1b":  # an arrow or a function key: its whole sequence, already there
            while select.select([fd], [], [], 0.02)[0] and len(data) < 8:
                data += os.read(fd, 1)
        elif data[0] >= 0xC0:  # the first byte of an accented letter: the rest of it
            data += os.read(fd, 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return data.decode("utf-8", "replace")


def confirm(question: str) -> bool:
    """Ask a yes/no question (one key at a terminal, else a line on stderr); Entrée means no."""
    if interactive():
        return read_key(f"{question} [o/N] ", "ony") in ("o", "y")
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


def edit_text(text: str) -> str:
    """Correct ``text`` in place: in $VISUAL or $EDITOR when one is set, else right here, pre-filled."""
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not chosen:
        typer.secho(TEXT_HELP, dim=True)
        return read_text(default=text)
    return _external_editor(shlex.split(chosen, posix=os.name != "nt"), text)


def _plain_line(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if line == "":
        raise EOFError
    return line.rstrip("\r\n")


def _without_end_line(text: str) -> str:
    lines = text.split("\n")
    if lines and lines[-1].strip() == END_OF_TEXT:
        lines.pop()
    return "\n".join(lines)


def _session(name: str) -> PromptSession[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    if name not in _sessions:
        _sessions[name] = PromptSession(history=InMemoryHistory(), search_ignore_case=True)
    return _sessions[name]


def _text_session() -> PromptSession[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory

    if "\0text" not in _sessions:
        _sessions["\0text"] = PromptSession(
            history=InMemoryHistory(),
            multiline=True,
            key_bindings=_text_keys(),
            prompt_continuation="> ",
            search_ignore_case=True,
        )
    return _sessions["\0text"]


def _text_keys() -> Any:
    from prompt_toolkit.filters import is_searching
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.search import SearchDirection, start_search

    keys = KeyBindings()

    @keys.add("tab", filter=~is_searching)
    def _done(event: Any) -> None:
        event.current_buffer.validate_and_handle()

    @keys.add("c-s", filter=~is_searching)
    def _save(event: Any) -> None:
        _ended_by_save[0] = True
        event.current_buffer.validate_and_handle()

    @keys.add("enter", filter=~is_searching)
    def _newline_or_done(event: Any) -> None:
        buffer = event.current_buffer
        line = buffer.document.current_line
        if line.strip() == END_OF_TEXT and buffer.document.is_cursor_at_the_end_of_line:
            buffer.validate_and_handle()
        else:
            buffer.newline(copy_margin=False)

    @keys.add("c-f", filter=~is_searching)
    def _find(event: Any) -> None:
        event.current_buffer.cursor_position = 0
        start_search(direction=SearchDirection.FORWARD)

    return keys


def _external_editor(command: list[str], text: str) -> str:
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
                "un autre dans la variable EDITOR, ou retirez-la pour corriger ici même."
            ) from None
        if completed.returncode != 0:
            raise EditorFailed(
                f"L'éditeur « {command[0]} » s'est arrêté en erreur : la contribution n'a pas été modifiée."
            )
        return path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
