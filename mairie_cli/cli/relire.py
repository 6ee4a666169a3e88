"""``mairie relire``: proofreading OCR drafts and typing the handwritten pages."""

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder

if TYPE_CHECKING:
    from mairie_cli.models import Contribution
    from mairie_cli.services.commune.proofread import PageToProofread
    from mairie_cli.services.commune.register import Register

_ACTIONS = (
    "[Entrée] accepter · [m] modifier · [e] éditeur · [d] date · [a] auteur · [n] nature · [g] page · "
    "[f] fusionner avec le précédent · [j] joindre à la page précédente · [c] couper · [s] supprimer · "
    "[p] passer · [q] quitter"
)


commands = Commands()


@commands.command("relire")
def relire(
    ctx: typer.Context,
    cahier: CahierOpt = None,
    sans_image: Annotated[
        bool, typer.Option("--sans-image", help="Ne pas ouvrir l'image des pages manuscrites.")
    ] = False,
    blanches: Annotated[
        bool,
        typer.Option(
            "--blanches", help="Revoir les pages trouvées blanches (et taper celles qui ne le sont pas)."
        ),
    ] = False,
    dossier: Folder = None,
) -> None:
    """Relire les brouillons de l'OCR page par page, et taper les pages manuscrites.

    Les mots lus avec peu de certitude sont surlignés. Une page manuscrite s'ouvre dans la
    visionneuse d'images pendant que vous tapez ses contributions comme avec « mairie saisir ».
    """
    from mairie_cli.services.commune import proofread

    with open_register(ctx, dossier) as reg:
        todo = proofread.pages(reg, cahier, blank=blanches)
        if not todo:
            output.info(
                "Aucune page blanche."
                if blanches
                else "Rien à relire : aucun brouillon ni page manuscrite en attente."
            )
            return
        try:
            for number, page in enumerate(todo, start=1):
                where = f"Page {number}/{len(todo)} — {page.file_name}, page {page.index}"
                if page.handwritten or page.blank:
                    _transcribe(reg, page, where, open_image=not sans_image)
                else:
                    _proofread_page(reg, page, where)
        except _Stop:
            pass
        left = 0 if blanches else len(proofread.pages(reg, cahier))
    output.info(f"Relecture interrompue : {left} page(s) restent à relire." if left else "Tout est relu.")


class _Stop(Exception):
    pass


def _proofread_page(reg: "Register", page: "PageToProofread", where: str) -> None:
    from mairie_cli.errors import MairieError
    from mairie_cli.services.commune import proofread

    out = output.console()
    index = 0
    previous: Contribution | None = None
    while True:
        drafts = proofread.drafts(reg, page.id)
        if index >= len(drafts):
            return
        draft = drafts[index]
        out.print(f"\n[bold]{output.escape(where)}[/bold] — brouillon {index + 1}/{len(drafts)}")
        out.print(_highlighted(draft.text, proofread.marked_words(reg, draft)))
        out.print(f"[cyan]{output.escape(_fields(draft))}[/cyan]")
        out.print(f"[dim]{output.escape(_ACTIONS)}[/dim]")
        choice = _ask("Choix : ").strip().lower()
        if choice == "q":
            raise _Stop
        if choice == "p":
            index += 1  # only « passer » moves on: any other action changes the list
            continue
        action = _BY_KEY.get(choice)
        if action is None:
            output.info("Choix inconnu.")
            continue
        try:
            previous = action(reg, page, draft, previous)
        except MairieError as exc:
            typer.secho(f"Erreur : [{exc.code}] {exc.message}", fg="red")


def _fields(draft: "Contribution") -> str:
    """The structured fields of a draft, on one line, with the cue of its nature."""
    from mairie_cli.dates import format_fr

    cue = (draft.region or {}).get("cue")
    nature = draft.nature.label + (f" (« {cue} »)" if cue else "")
    return (
        f"Date : {format_fr(draft.written_on) or '—'} · Auteur : {draft.author or '—'} · "
        f"Page : {draft.page_number or '—'} · Nature : {nature}"
    )


Action = Callable[
    ["Register", "PageToProofread", "Contribution", "Contribution | None"], "Contribution | None"
]


def _accept(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.services.commune import proofread

    return proofread.accept(reg, draft)


def _modify(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.services.commune import proofread

    text = _ask_lines("Nouveau texte (une ligne vide pour terminer) :")
    return proofread.edit(reg, draft, text) if text.strip() else previous


def _editor(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.cli.prompts import edit_text
    from mairie_cli.services.commune import proofread

    return proofread.edit(reg, draft, edit_text(draft.text))


def _merge(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.services.commune import proofread

    if previous is None or previous.page_id != page.id:
        output.info("Pas de brouillon précédent sur cette page.")
        return previous
    merged = proofread.merge_with_previous(reg, draft, previous)
    output.success("Fusionné avec le précédent.")
    return merged


def _join_previous_page(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: Any
) -> Any:
    from mairie_cli.services.commune import proofread

    joined = proofread.join_previous_page(reg, draft)
    output.success(f"Joint à la dernière contribution de la page précédente ({joined.short_id}).")
    return previous


def _cut(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.services.commune import proofread

    for number, line in enumerate(draft.text.split("\n"), start=1):
        output.console().print(f"  {number:>2} {output.escape(line)}")
    answer = _ask("Couper avant la ligne n° : ").strip()
    if answer.isdigit():
        proofread.split(reg, draft, int(answer))
        output.success("Brouillon coupé en deux.")
    return previous


def _delete(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    reg.delete(draft.uuid)
    output.success("Brouillon supprimé.")
    return previous


def _date(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.dates import parse_date

    answer = _ask("Date (JJ/MM/AAAA, vide pour aucune) : ").strip()
    reg.correct(draft.uuid, written_on=parse_date(answer) if answer else None)
    return previous


def _author(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    answer = _ask("Auteur tel qu'il a signé (vide pour aucun) : ").strip()
    reg.correct(draft.uuid, author=answer or None)
    return previous


def _nature(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.models import Nature

    answer = _ask("Nature : [d] doléance · [p] proposition · [a] autre : ").strip()
    reg.correct(draft.uuid, nature=Nature.parse(answer))
    return previous


def _page_number(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.errors import InvalidValue

    answer = _ask("Numéro de page du cahier : ").strip()
    if not answer.isdigit():
        raise InvalidValue(f"« {answer} » n'est pas un numéro de page.")
    reg.correct(draft.uuid, page_number=int(answer))
    return previous


_BY_KEY: dict[str, Action] = {
    "": _accept, "m": _modify, "e": _editor, "f": _merge, "j": _join_previous_page, "c": _cut,
    "s": _delete, "d": _date, "a": _author, "n": _nature, "g": _page_number,
}  # fmt: skip


def _transcribe(reg: "Register", page: "PageToProofread", where: str, *, open_image: bool) -> None:
    from mairie_cli.cli.prompts import confirm
    from mairie_cli.cli.typing_session import TypingSession
    from mairie_cli.services.commune import proofread

    what = "page trouvée blanche : la taper si elle ne l'est pas" if page.blank else "page manuscrite à taper"
    output.console().print(f"\n[bold]{output.escape(where)}[/bold] — {what}")
    if open_image:
        _show(page.image)
    output.info(f"Image de la page : {page.image}")
    question = (
        "[Entrée] elle est bien blanche · [t] la taper · [q] quitter : "
        if page.blank
        else ("[Entrée] taper cette page · [p] passer · [q] quitter : ")
    )
    answer = _ask(question).strip().lower()
    if page.blank:
        answer = "" if answer == "t" else "q" if answer == "q" else "p"
    if answer == "q":
        raise _Stop
    if answer == "p":
        return
    TypingSession(reg, page.cahier_id, page_id=page.id).run()
    if confirm("Cette page est-elle entièrement tapée ?"):
        proofread.finish_page(reg, page.id)
        output.success("Page manuscrite marquée comme tapée.")


def _show(image: Path) -> None:
    """Open the page in the system's image viewer; never blocks, never fails the command."""
    import subprocess

    try:
        if os.name == "nt":
            os.startfile(image)  # type: ignore[attr-defined]
        elif sys.platform == "darwin":
            subprocess.Popen(["open", str(image)])
        else:
            subprocess.Popen(["xdg-open", str(image)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        output.info("La visionneuse d'images n'a pas pu s'ouvrir : ouvrez le fichier indiqué ci-dessous.")


def _highlighted(text: str, words: list[tuple[str, float]]) -> Any:
    from rich.text import Text

    from mairie_cli.services.commune.proofread import LOW_CONFIDENCE

    result = Text(text)
    position = 0
    for word, confidence in words:
        found = text.find(word, position)
        if found < 0:
            continue
        if confidence < LOW_CONFIDENCE:
            result.stylize("bold black on yellow", found, found + len(word))
        position = found + len(word)
    return result


def _ask(prompt: str) -> str:
    from mairie_cli.cli.prompts import read_line

    try:
        return read_line(prompt)
    except EOFError:
        raise _Stop from None


def _ask_lines(prompt: str) -> str:
    from mairie_cli.cli.prompts import read_text

    typer.echo(prompt)
    try:
        return read_text()
    except EOFError:
        raise _Stop from None
