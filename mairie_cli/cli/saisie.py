"""``mairie saisir``: typing a paper register, entry after entry, as fast as possible."""

import typer

from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder

commands = Commands()


@commands.command("saisir")
def saisir(ctx: typer.Context, cahier: CahierOpt = None, dossier: Folder = None) -> None:
    """Taper les contributions d'un cahier papier, l'une après l'autre.

    Chaque contribution est enregistrée dès que sa dernière réponse est donnée. Le texte tient
    sur autant de lignes et de paragraphes qu'il faut : Tab le termine.
    """
    from mairie_cli.cli.typing_session import TypingSession

    with open_register(ctx, dossier) as register:
        book = register.cahier(cahier)
        typer.secho(
            f"Saisie dans le cahier n° {book.id} « {book.title} ». "
            "Tapez ? à l'invite « Date » pour l'aide, q pour terminer.",
            bold=True,
        )
        TypingSession(register, book.id).run()
