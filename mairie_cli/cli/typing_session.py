"""The interactive loop behind ``mairie saisir``.

Each entry is committed the moment its last field is answered: Ctrl-C, a closed window or a
killed process lose at most the entry being typed. At the date prompt, « c » corrects the
previous entry and « q » ends the session.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import typer

from mairie_cli.cli.prompts import read_line as _input
from mairie_cli.cli.prompts import read_text
from mairie_cli.dates import format_fr, parse_date
from mairie_cli.errors import MairieError
from mairie_cli.models import Contribution, Nature, NewContribution

if TYPE_CHECKING:
    from mairie_cli.services.commune.register import Register

_NATURE_KEYS = {"d": Nature.DOLEANCE, "p": Nature.PROPOSITION, "a": Nature.AUTRE}
_HELP = """\
À l'invite « Date », vous pouvez aussi taper :
  c   corriger la contribution précédente
  q   terminer la saisie (tout ce qui est enregistré est conservé)
Date : Entrée reprend la date précédente ; « 13 » ou « 13/12 » complètent avec le mois et
l'année précédents ; « - » pour une contribution sans date.
Nature : d (doléance), p (proposition), a (autre) ; Entrée reprend la précédente.
Texte : plusieurs lignes possibles ; une ligne vide termine le texte. Un texte vide abandonne
la contribution en cours.
Auteur et page sont facultatifs : Entrée pour passer (la page précédente est reprise)."""


class _Quit(Exception):
    pass


class TypingSession:
    """The state of one typing session: defaults carried from entry to entry."""

    def __init__(
        self, register: Register, cahier_id: int, *, single_key: bool = True, page_id: int | None = None
    ) -> None:
        self.register = register
        self.cahier_id = cahier_id
        self.page_id = page_id  # the scanned page being transcribed, if any
        last = register.last_in(cahier_id)
        self.last: Contribution | None = last
        self.date: date | None = date.fromisoformat(last.written_on) if last and last.written_on else None
        self.nature = last.nature if last else Nature.DOLEANCE
        self.page: int | None = last.page_number if last else None
        self.saved = 0
        self.single_key = single_key and sys.stdin.isatty()

    def run(self) -> None:
        """Loop until « q », end of input or Ctrl-C."""
        try:
            while True:
                self._one_entry()
        except (_Quit, EOFError):
            self._goodbye()
        except KeyboardInterrupt:
            typer.echo("")
            self._goodbye(interrupted=True)

    def _goodbye(self, interrupted: bool = False) -> None:
        pending = " La contribution en cours n'a pas été enregistrée." if interrupted else ""
        typer.secho(
            f"Saisie terminée : {self.saved} contribution(s) enregistrée(s) pendant cette séance.{pending}",
            fg="green",
        )

    def _one_entry(self) -> None:
        position = self.register.next_position(self.cahier_id)
        typer.secho(f"\n— Contribution n° {position} (enregistrées : {self.saved}) —", dim=True)
        written = self._ask_date()
        nature = self._ask_nature(self.nature)
        text = self._ask_text()
        if not text:
            typer.secho("Texte vide : contribution abandonnée.", fg="yellow")
            return
        author = _input("Auteur (facultatif) : ").strip() or None
        page = self._ask_page(self.page)
        try:
            saved = self.register.add(
                NewContribution(
                    text=text,
                    nature=nature,
                    written_on=written,
                    author=author,
                    page_number=page,
                    page_id=self.page_id,
                ),
                self.cahier_id,
            )
        except MairieError as exc:
            typer.secho(f"Erreur : [{exc.code}] {exc.message}", fg="red")
            return
        self.saved += 1
        self.last, self.date, self.nature, self.page = saved, written, nature, page
        typer.secho(f"✔ n° {saved.position} enregistrée ({saved.short_id})", fg="green")
        sys.stdout.flush()

    def _ask_date(self, commands: bool = True) -> date | None:
        while True:
            shown = f" [{format_fr(self.date)}]" if self.date else ""
            answer = _input(f"Date{shown} : ").strip()
            lowered = answer.lower()
            if commands and lowered in {"q", "quitter"}:
                raise _Quit
            if commands and lowered == "?":
                typer.echo(_HELP)
                continue
            if commands and lowered == "c":
                self._correct_last()
                continue
            if answer == "":
                return self.date
            if answer == "-":
                return None
            try:
                return parse_date(answer, default=self.date)
            except MairieError as exc:
                typer.secho(f"[{exc.code}] {exc.message}", fg="red")

    def _ask_nature(self, default: Nature) -> Nature:
        label = f"Nature [d]oléance, [p]roposition, [a]utre [{default.label}] : "
        while True:
            if self.single_key:
                typer.echo(label, nl=False)
                key = typer.getchar()
                if key in ("\x03",):
                    raise KeyboardInterrupt
                if key in ("\x04",):
                    raise EOFError
                answer = "" if key in ("\r", "\n") else key
                chosen = default if not answer else _NATURE_KEYS.get(answer.lower())
                typer.echo(chosen.label if chosen else answer)
            else:
                answer = _input(label).strip()
                chosen = default if not answer else _parse_nature(answer)
            if chosen is not None:
                return chosen
            typer.secho("Tapez d, p ou a.", fg="red")

    def _ask_text(self, current: str | None = None) -> str:
        if current is not None:
            typer.echo("Texte actuel :\n  " + current.replace("\n", "\n  "))
            typer.echo("Tapez le nouveau texte, ou Entrée pour le garder :")
        else:
            typer.echo("Texte (une ligne vide pour terminer) :")
        text = read_text()
        return current if not text and current is not None else text

    def _ask_page(self, default: int | None) -> int | None:
        while True:
            shown = f" [{default}]" if default else ""
            answer = _input(f"Page du cahier{shown} : ").strip()
            if answer == "":
                return default
            if answer == "-":
                return None
            if answer.isdigit() and 0 < int(answer) < 10000:
                return int(answer)
            typer.secho("Tapez un numéro de page (ou « - » pour aucun).", fg="red")

    def _correct_last(self) -> None:
        last = self.register.last_in(self.cahier_id)
        if last is None:
            typer.secho("Aucune contribution à corriger dans ce cahier.", fg="yellow")
            return
        typer.secho(f"Correction de la contribution n° {last.position} ({last.short_id}) :", bold=True)
        saved_date = self.date
        self.date = date.fromisoformat(last.written_on) if last.written_on else None
        try:
            written = self._ask_date(commands=False)
            nature = self._ask_nature(last.nature)
            text = self._ask_text(last.text)
            shown = f" [{last.author}]" if last.author else ""
            author_answer = _input(f"Auteur{shown} (« - » pour effacer) : ").strip()
            author = last.author if author_answer == "" else (None if author_answer == "-" else author_answer)
            page = self._ask_page(last.page_number)
            updated = self.register.correct(
                last.uuid, text=text, nature=nature, written_on=written, author=author,
                page_number=page,
            )  # fmt: skip
        except MairieError as exc:
            typer.secho(f"Erreur : [{exc.code}] {exc.message}", fg="red")
            self.date = saved_date
            return
        if updated is None:
            typer.echo("Aucune modification.")
            self.date = saved_date
        else:
            typer.secho(f"✔ n° {updated.position} corrigée (version {updated.version})", fg="green")
            self.date, self.nature, self.page = written, nature, page


def _parse_nature(answer: str) -> Nature | None:
    try:
        return Nature.parse(answer)
    except MairieError:
        return None
