"""``mairie …`` in a pseudo-terminal, typed into as a person types, keystrokes counted.

The program sees a real terminal (prompt_toolkit, single keys): each call of ``press`` sends one
key, ``type`` sends characters one by one. ``keys`` counts every keystroke that is not part of a
value read off the paper (the contribution's text, an author's name): validations, choices,
moves, corrections, typed dates included.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pexpect

KEYS = {
    "Entrée": "\r",
    "Tab": "\t",
    "Échap": "\x1b",
    "←": "\x1b[D",
    "→": "\x1b[C",
    "↑": "\x1b[A",
    "↓": "\x1b[B",
    "Suppr": "\x1b[3~",
    "Retour": "\x7f",
    "Début": "\x1b[H",
    "Fin": "\x1b[F",
    "Ctrl+F": "\x06",
    "Ctrl+S": "\x13",
    "Ctrl+U": "\x15",
    "Ctrl+→": "\x1b[1;5C",
    "Ctrl+←": "\x1b[1;5D",
    "Alt+D": "\x1bd",
}


class Terminal:
    """One run of ``mairie --dossier FOLDER ARGS…`` at an 100×40 terminal."""

    def __init__(self, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {
            **os.environ,
            "TERM": "xterm",
            "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
            "PYTHONIOENCODING": "utf-8",
            **(env or {}),
        }
        environment.pop("EDITOR", None)
        environment.pop("VISUAL", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "mairie_cli", "--dossier", str(folder), *args],
            env=environment,
            encoding="utf-8",
            dimensions=(40, 100),
            timeout=20,
            # As in a person's terminal, closing the window ends the program, even when these tests
            # run under nohup (which makes every child ignore SIGHUP).
            preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
        )
        self.child.delaybeforesend = 0.002  # quick hands; escape sequences still arrive whole
        self.keys = 0  # keystrokes beyond the values read off the paper
        self.text_keys = 0

    def expect(self, pattern: str) -> str:
        """Wait for ``pattern`` (a regular expression) on screen; what came before it."""
        self.child.expect(pattern)
        return str(self.child.before)

    def press(self, *names: str) -> None:
        """Keys by name (``Entrée``, ``Tab``, ``←``, ``Ctrl+F``…) or single characters."""
        for name in names:
            self.child.send(KEYS.get(name, name))
            self.keys += 1

    def typed(self, value: str) -> None:
        """Characters that are counted as keystrokes (a date, a search, a correction)."""
        for char in value:
            self.press(char)

    def text(self, value: str) -> None:
        """A value read off the paper, character by character (a new line is Entrée)."""
        for char in value:
            self.child.send("\r" if char == "\n" else char)
            self.text_keys += 1

    def paste(self, value: str) -> None:
        """A long value sent at once (its characters are not counted)."""
        self.child.send(value.replace("\n", "\r"))

    def finish(self) -> str:
        """Wait for the program to end; everything it printed since the last ``expect``."""
        self.child.expect(pexpect.EOF)
        self.child.close()
        return str(self.child.before)

    @property
    def status(self) -> int | None:
        return self.child.exitstatus
