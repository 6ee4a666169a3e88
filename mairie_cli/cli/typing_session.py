"""The interactive loop behind ``mairie saisir``.

Each entry is committed the moment its last field is answered: Ctrl-C, a closed window or a
killed process lose at most the entry being typed. At the date prompt, « c » corrects the
previous entry and « q » ends the session. A restarted session says how many entries the cahier
holds, shows the last one and takes its date, nature and page as defaults.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import TYPE_CHECKING

import typer

from mairie_cli.cli.prompts import ENTRY_HELP, read_entry_text, read_key, read_line
from mairie_cli.dates import format_fr, parse_date
from mairie_cli.errors import MairieError
from mairie_cli.models import Contribution, Nature, NewContribution

if TYPE_CHECKING:
    from mairie_cli.services.commune.register import Register

_NATURE_KEYS = {"d": Nature.DOLEANCE, "p": Nature.PROPOSITION, "a": Nature.AUTRE}
_HELP = f"""\
À l'invite « Date », vous pouvez aussi taper :
  c   corriger la contribution précédente (chaque réponse est pré-remplie : Entrée la garde)
  q   terminer la saisie (tout ce qui est enregistré est conservé)
Date : Entrée reprend la date précédente ; « 13 », « 13/12 », « 18 déc. » ou « lundi 17 décembre »
complètent avec le mois et l'année précédents ; « - » pour une contribution sans date.
Nature : une touche, d (doléance), p (proposition), a (autre) ; Entrée reprend la précédente.
Texte : autant de lignes et de paragraphes qu'il faut.
  {ENTRY_HELP}
  (sans terminal interactif, une ligne « . » termine le texte)
  Un texte vide abandonne la contribution en cours.
Auteur et page sont facultatifs : Entrée pour passer (la page précédente est reprise).
Partout : flèches, Début/Fin, Ctrl+flèches (mot par mot) ; ↑ rappelle les réponses déjà données."""
_SENTENCE_END = ".!?;:"


class _Quit(Exception):
    pass


class TypingSession:
    """The state of one typing session: defaults carried from entry to entry."""

    def __init__(self, register: Register, cahier_id: int, *, page_id: int | None = None) -> None:
        self.register = register
        self.cahier_id = cahier_id
        self.page_id = page_id  # the scanned page being transcribed, if any
        last = register.last_in(cahier_id)
        self.last: Contribution | None = last
        self.date: date | None = date.fromisoformat(last.written_on) if last and last.written_on else None
        self.nature = last.nature if last else Nature.DOLEANCE
        self.page: int | None = last.page_number if last else None
        self.saved = 0

    def run(self) -> None:
        """Loop until « q », end of input or Ctrl-C."""
        self._where_we_are()
        try:
            while True:
                self._one_entry()
        except (_Quit, EOFError):
            self._goodbye()
        except KeyboardInterrupt:
            typer.echo("")
            self._goodbye(interrupted=True)

    def _where_we_are(self) -> None:
        """On (re)starting: how many entries the cahier holds, and the last one."""
        count = self.register.next_position(self.cahier_id) - 1
        if self.last is None:
            typer.echo("Ce cahier ne contient encore aucune contribution.")
            return
        last = self.last
        snippet = " ".join(last.text.split())
        snippet = snippet if len(snippet) <= 70 else snippet[:69] + "…"
        details = ", ".join(
            part
            for part in (
                f"du {format_fr(last.written_on)}" if last.written_on else "",
                f"page {last.page_number}" if last.page_number else "",
                last.author or "",
            )
            if part
        )
        typer.echo(
            f"Ce cahier contient déjà {count} contribution(s). La dernière, n° {last.position}"
            f"{' (' + details + ')' if details else ''} : « {snippet} »"
        )

    def _goodbye(self, interrupted: bool = False) -> None:
        pending = " La contribution en cours n'a pas été enregistrée." if interrupted else ""
        typer.secho(
            f"Saisie terminée : {self.saved} contribution(s) enregistrée(s) pendant cette séance.{pending}",
            fg="green",
        )

    def _one_entry(self) -> None:
        position = self.register.next_position(self.cahier_id)
        typer.secho(
            f"\n— Contribution n° {position} (déjà dans le cahier : {position - 1} ; "
            f"pendant cette séance : {self.saved}) —",
            dim=True,
        )
        written = self._ask_date()
        nature = self._ask_nature(self.nature)
        text, save_now = self._ask_text()
        if not text:
            typer.secho("Texte vide : contribution abandonnée.", fg="yellow")
            return
        author, page = None, self.page
        if not save_now:
            author, text = self._ask_author(text)
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

    def _ask_date(self, commands: bool = True, prefill: bool = False) -> date | None:
        while True:
            shown = f" [{format_fr(self.date)}]" if self.date and not prefill else ""
            default = format_fr(self.date) if self.date and prefill else ""
            answer = read_line(f"Date{shown} : ", default=default, history="date").strip()
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
                return None if prefill else self.date
            if answer == "-":
                return None
            try:
                return parse_date(answer, default=self.date)
            except MairieError as exc:
                typer.secho(f"[{exc.code}] {exc.message}", fg="red")

    def _ask_nature(self, default: Nature) -> Nature:
        label = f"Nature [d]oléance, [p]roposition, [a]utre [{default.label}] : "
        key = read_key(label, "dpa")
        return _NATURE_KEYS[key] if key else default

    def _ask_text(self, current: str | None = None) -> tuple[str, bool]:
        """The text, and whether Ctrl+S asked to save at once (the other answers kept)."""
        if current is not None:
            typer.echo("Texte (corrigez-le sur place ; Tab pour terminer, Ctrl+S pour enregistrer) :")
        else:
            typer.echo("Texte (Tab pour terminer ; Ctrl+S enregistre tout de suite) :")
        return read_entry_text(default=current or "")

    def _ask_author(self, text: str, current: str | None = None) -> tuple[str | None, str]:
        """The author as signed, and the text; a sentence typed here is never stored as an author."""
        while True:
            answer = read_line("Auteur (facultatif) : ", default=current or "", history="author").strip()
            if answer == "-":
                return None, text
            if not _looks_like_sentence(answer):
                return answer or None, text
            choice = read_key(
                f"« {answer[:60]}{'…' if len(answer) > 60 else ''} » ressemble à une phrase, pas à un "
                "nom. [Entrée] l'ajouter au texte comme paragraphe · [a] c'est bien l'auteur · "
                "[r] retaper l'auteur : ",
                "ar",
            )
            if choice == "a":
                return answer, text
            if choice == "":
                typer.secho("Ajouté au texte, comme nouveau paragraphe.", fg="green")
                return None, f"{text}\n\n{answer}"

    def _ask_page(self, default: int | None, prefill: bool = False) -> int | None:
        while True:
            shown = f" [{default}]" if default and not prefill else ""
            prefilled = str(default) if default and prefill else ""
            answer = read_line(f"Page du cahier{shown} : ", default=prefilled, history="page").strip()
            if answer == "":
                return None if prefill else default
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
        typer.secho(
            f"Correction de la contribution n° {last.position} ({last.short_id}) : chaque réponse est "
            "pré-remplie, corrigez-la sur place (Entrée la garde).",
            bold=True,
        )
        saved_date = self.date
        self.date = date.fromisoformat(last.written_on) if last.written_on else None
        try:
            written = self._ask_date(commands=False, prefill=True)
            nature = self._ask_nature(last.nature)
            text, save_now = self._ask_text(last.text)
            text = text or last.text
            author, page = last.author, last.page_number
            if not save_now:
                author, text = self._ask_author(text, current=last.author)
                page = self._ask_page(last.page_number, prefill=True)
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


def _looks_like_sentence(answer: str) -> bool:
    """A long answer, or one of several words ending like a sentence, is not a signature."""
    words = answer.split()
    return len(words) > 6 or len(answer) > 60 or (len(words) > 3 and answer[-1:] in _SENTENCE_END)
