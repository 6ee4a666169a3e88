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
HANDWRITTEN_READING = "lecture automatique d'une page manuscrite"


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
        stopped = False
        try:
            for number, page in enumerate(todo, start=1):
                where = f"Page {number}/{len(todo)} — {page.file_name}, page {page.index}"
                if page.handwritten and proofread.drafts(reg, page.id):
                    _proofread_handwriting(reg, page, where, open_image=not sans_image)
                elif page.handwritten or page.blank:
                    _transcribe(reg, page, where, open_image=not sans_image)
                else:
                    _proofread_page(reg, page, where)
        except _Stop:
            stopped = True
        left = 0 if blanches else len(proofread.pages(reg, cahier))
    ending = "Relecture interrompue" if stopped else "Relecture terminée"
    output.success(f"{ending} : {left} page(s) restent à relire." if left else f"{ending} : tout est relu.")


class _Stop(Exception):
    pass


class _TypeInstead(Exception):
    """The secretary discards the automatic reading of a handwritten page to type it."""


def _proofread_handwriting(reg: "Register", page: "PageToProofread", where: str, *, open_image: bool) -> None:
    """A handwritten page read automatically: its drafts corrected against the image, then the
    page closed once everything on it is there (or typed, when the reading is not worth it)."""
    from mairie_cli.cli.prompts import confirm
    from mairie_cli.services.commune import proofread

    advice = output.escape("corrigez chaque brouillon d'après l'image ([t] pour taper la page vous-même).")
    output.console().print(
        f"\n[bold]{output.escape(where)}[/bold] — [magenta]{HANDWRITTEN_READING}[/magenta] : {advice}"
    )
    _page_image(reg, page, open_image)
    try:
        _proofread_page(reg, page, where, extra="t")
    except _TypeInstead:
        removed = proofread.discard_drafts(reg, page.id)
        output.success(f"{removed} brouillon(s) de la lecture automatique écarté(s) : tapez la page.")
        _transcribe(reg, page, where, open_image=False, asked=False)
        return
    if proofread.drafts(reg, page.id):
        return  # drafts passed over: the page comes back next time
    if not confirm("Tout le texte de la page est-il dans les contributions relues ?"):
        output.info("Tapez ce qui manque (q pour finir).")
        from mairie_cli.cli.typing_session import TypingSession

        TypingSession(reg, page.cahier_id, page_id=page.id).run()
    proofread.finish_page(reg, page.id)
    output.success("Page manuscrite relue.")


def _proofread_page(reg: "Register", page: "PageToProofread", where: str, extra: str = "") -> None:
    from mairie_cli.errors import MairieError
    from mairie_cli.services.commune import proofread

    out = output.console()
    index = done = 0  # done: drafts of this page already accepted, deleted, merged or joined
    previous: Contribution | None = None
    while True:
        drafts = proofread.drafts(reg, page.id)
        if index >= len(drafts):
            return
        draft = drafts[index]
        out.print(
            f"\n[bold]{output.escape(where)}[/bold] — brouillon {done + index + 1}/{done + len(drafts)}"
        )
        out.print(_highlighted(draft.text, proofread.doubtful_words(reg, draft)))
        out.print(f"[cyan]{output.escape(_fields(draft))}[/cyan]")
        actions = _ACTIONS + (" · [t] taper la page moi-même" if extra else "")
        out.print(f"[dim]{output.escape(actions)}[/dim]")
        choice = _ask_key("Choix : ", "medangfjcspq" + extra)
        if choice == "q":
            raise _Stop
        if choice == "t":
            raise _TypeInstead
        if choice == "p":
            output.info("Brouillon passé : il reste à relire.")
            index += 1  # only « passer » moves on: any other action changes the list
            continue
        try:
            previous = _BY_KEY[choice](reg, page, draft, previous)
        except MairieError as exc:
            typer.secho(f"Erreur : [{exc.code}] {exc.message}", fg="red")
        done += max(0, len(drafts) - len(proofread.drafts(reg, page.id)))


def _fields(draft: "Contribution") -> str:
    """The structured fields of a draft, on one line, with the cue of its nature."""
    from mairie_cli.dates import format_fr

    cue = (draft.region or {}).get("cue")
    nature = draft.nature.label + (f" (« {cue} »)" if cue else "")
    by_hand = f" · {HANDWRITTEN_READING}" if (draft.region or {}).get("manuscrit") else ""
    return (
        f"Date : {format_fr(draft.written_on) or '—'} · Auteur : {draft.author or '—'} · "
        f"Page : {draft.page_number or '—'} · Nature : {nature}{by_hand}"
    )


Action = Callable[
    ["Register", "PageToProofread", "Contribution", "Contribution | None"], "Contribution | None"
]


def _accept(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.services.commune import proofread

    accepted = proofread.accept(reg, draft)
    output.success(f"Accepté : contribution n° {accepted.position} ({accepted.short_id}).")
    return accepted


def _modify(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.cli.prompts import TEXT_HELP

    typer.echo(f"Corrigez le texte sur place ({TEXT_HELP}) :")
    return _save_text(reg, draft, _ask_text(draft.text), previous)


def _editor(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.cli.prompts import edit_text

    try:
        text = edit_text(draft.text)
    except (EOFError, KeyboardInterrupt):
        raise _Stop from None
    return _save_text(reg, draft, text, previous)


def _save_text(
    reg: "Register", draft: "Contribution", text: str, previous: "Contribution | None"
) -> "Contribution | None":
    """The corrected text saved (the draft is then accepted), unless nothing changed."""
    from mairie_cli.services.commune import proofread

    if not text.strip() or text.strip() == draft.text:
        output.info("Texte inchangé.")
        return previous
    edited = proofread.edit(reg, draft, text)
    output.success(f"Texte corrigé et accepté : contribution n° {edited.position} ({edited.short_id}).")
    return edited


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
        output.success(f"Brouillon coupé en deux avant la ligne {answer}.")
    else:
        output.info("Rien n'est coupé.")
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
    from mairie_cli.dates import format_fr, parse_date

    answer = _ask("Date (« - » pour aucune) : ", format_fr(draft.written_on) or "").strip()
    written = parse_date(answer) if answer not in ("", "-") else None
    reg.correct(draft.uuid, written_on=written)
    output.success(f"Date : {format_fr(written) or 'aucune'}.")
    return previous


def _author(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    answer = _ask("Auteur tel qu'il a signé (« - » pour aucun) : ", draft.author or "").strip()
    answer = "" if answer == "-" else answer
    reg.correct(draft.uuid, author=answer or None)
    output.success(f"Auteur : {answer or 'aucun'}.")
    return previous


def _nature(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.models import Nature

    answer = _ask_key("Nature : [d] doléance · [p] proposition · [a] autre : ", "dpa")
    if not answer:
        output.info("Nature inchangée.")
        return previous
    nature = Nature.parse(answer)
    reg.correct(draft.uuid, nature=nature)
    output.success(f"Nature : {nature.label}.")
    return previous


def _page_number(
    reg: "Register", page: "PageToProofread", draft: "Contribution", previous: "Contribution | None"
) -> "Contribution | None":
    from mairie_cli.errors import InvalidValue

    answer = _ask("Numéro de page du cahier : ", str(draft.page_number or "")).strip()
    if not answer.isdigit():
        raise InvalidValue(f"« {answer} » n'est pas un numéro de page.")
    reg.correct(draft.uuid, page_number=int(answer))
    output.success(f"Page du cahier : {answer}.")
    return previous


_BY_KEY: dict[str, Action] = {
    "": _accept, "m": _modify, "e": _editor, "f": _merge, "j": _join_previous_page, "c": _cut,
    "s": _delete, "d": _date, "a": _author, "n": _nature, "g": _page_number,
}  # fmt: skip


def _transcribe(
    reg: "Register", page: "PageToProofread", where: str, *, open_image: bool, asked: bool = True
) -> None:
    from mairie_cli.cli.prompts import confirm
    from mairie_cli.cli.typing_session import TypingSession
    from mairie_cli.services.commune import proofread

    if asked:
        what = (
            "page trouvée blanche : la taper si elle ne l'est pas"
            if page.blank
            else "page manuscrite à taper"
        )
        output.console().print(f"\n[bold]{output.escape(where)}[/bold] — {what}")
        _page_image(reg, page, open_image)
        if page.blank:
            answer = _ask_key("[Entrée] elle est bien blanche · [t] la taper · [q] quitter : ", "tq")
            answer = "" if answer == "t" else "q" if answer == "q" else "p"
        else:
            answer = _ask_key("[Entrée] taper cette page · [p] passer · [q] quitter : ", "pq")
        if answer == "q":
            raise _Stop
        if answer == "p":
            return
    TypingSession(reg, page.cahier_id, page_id=page.id).run()
    if confirm("Cette page est-elle entièrement tapée ?"):
        proofread.finish_page(reg, page.id)
        output.success("Page manuscrite marquée comme tapée.")


def _page_image(reg: "Register", page: "PageToProofread", open_image: bool) -> None:
    """Show the page upright (the right page of a PDF), and say where its image is."""
    from mairie_cli.services.commune import proofread

    image = proofread.picture(reg, page)
    if open_image:
        _show(image)
    output.info(f"Image de la page ({page.file_name}, page {page.index}) : {image}")


def _show(image: Path) -> None:
    """Open the page in the system's image viewer; never blocks, never fails the command."""
    import subprocess

    failed = "La visionneuse d'images n'a pas pu s'ouvrir : ouvrez vous-même le fichier indiqué ci-dessous."
    try:
        if os.name == "nt":
            os.startfile(image)  # type: ignore[attr-defined]
            return
        opener = "open" if sys.platform == "darwin" else "xdg-open"
        process = subprocess.Popen(
            [opener, str(image)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )  # fmt: skip
    except OSError:
        output.info(failed)
        return
    try:
        if process.wait(timeout=1.5) != 0:  # the opener hands over to the viewer and ends
            output.info(failed)
    except subprocess.TimeoutExpired:
        pass  # still opening: the viewer is there


def _highlighted(text: str, words: list[tuple[str, bool]]) -> Any:
    from rich.text import Text

    result = Text(text)
    position = 0
    for word, doubtful in words:
        found = text.find(word, position)
        if found < 0:
            continue
        if doubtful:
            result.stylize("bold black on yellow", found, found + len(word))
        position = found + len(word)
    return result


def _ask(prompt: str, default: str = "") -> str:
    from mairie_cli.cli.prompts import read_line

    try:
        return read_line(prompt, default=default, history=prompt)
    except (EOFError, KeyboardInterrupt):
        raise _Stop from None


def _ask_key(prompt: str, keys: str) -> str:
    from mairie_cli.cli.prompts import read_key

    try:
        return read_key(prompt, keys)
    except (EOFError, KeyboardInterrupt):
        raise _Stop from None


def _ask_text(current: str) -> str:
    from mairie_cli.cli.prompts import read_text

    try:
        return read_text(default=current)
    except (EOFError, KeyboardInterrupt):
        raise _Stop from None
