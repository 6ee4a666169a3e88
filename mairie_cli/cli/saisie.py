"""``mairie saisir``: typing a paper register, entry after entry, as fast as possible."""

from typing import Annotated

import typer

from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder

commands = Commands()


@commands.command("saisir")
def saisir(
    ctx: typer.Context,
    cahier: CahierOpt = None,
    dossier: Folder = None,
    sans_touche: Annotated[
        bool,
        typer.Option(
            "--sans-touche",
            help="Valider aussi la nature par Entrée (terminal sans touche directe).",
        ),
    ] = False,
) -> None:
    """Taper les contributions d'un cahier papier, l'une après l'autre.

    Chaque contribution est enregistrée dès que sa dernière réponse est donnée.
    """
    from mairie_cli.cli.typing_session import TypingSession

    with open_register(ctx, dossier) as register:
        book = register.cahier(cahier)
        session = TypingSession(register, book.id, single_key=not sans_touche)
        typer.secho(
            f"Saisie dans le cahier n° {book.id} « {book.title} » ({book.count} contribution(s)). "
            "Tapez ? à l'invite « Date » pour l'aide, q pour terminer.",
            bold=True,
        )
        session.run()
