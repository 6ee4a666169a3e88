"""``mairie cahier``: the physical registers of the town hall."""

from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import Folder, Json

commands = Commands()
cahier = commands.group("cahier", "Ouvrir, lister et fermer les cahiers (registres papier) de la mairie.")


@cahier.command("ouvrir")
def ouvrir(
    ctx: typer.Context,
    titre: Annotated[
        list[str],
        typer.Argument(
            metavar="TITRE",
            help='Titre du cahier, par exemple "Cahier de doléances 2019" (guillemets facultatifs).',
        ),
    ],
    ouvert_le: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--ouvert-le", metavar="JJ/MM/AAAA", help="Date d'ouverture du cahier."),
    ] = None,
    notes: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--notes", metavar="TEXTE", help="Remarques sur le cahier."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Enregistrer un nouveau cahier ; il devient le cahier par défaut."""
    from mairie_cli.dates import parse_date

    opened = parse_date(ouvert_le) if ouvert_le else None
    with open_register(ctx, dossier) as register:
        cahier = register.open_cahier(" ".join(titre).strip(" «»“”\"'"), opened, notes)
    if json:
        output.print_json(cahier.to_dict())
    else:
        output.success(f"Cahier n° {cahier.id} ouvert : « {cahier.title} ».")


@cahier.command("liste")
def liste(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Lister les cahiers avec leur nombre de contributions."""
    with open_register(ctx, dossier) as register:
        cahiers = register.cahiers()
    if json:
        output.print_json([c.to_dict() for c in cahiers])
        return
    if not cahiers:
        output.info('Aucun cahier. Ouvrez-en un : mairie cahier ouvrir "Cahier de doléances"')
        return
    from rich.table import Table

    table = Table("N°", "Titre", "Ouvert le", "Fermé le", "Contributions")
    for c in cahiers:
        table.add_row(
            str(c.id), output.escape(c.title), output.date_fr(c.opened_on),
            output.date_fr(c.closed_on), str(c.count),
        )  # fmt: skip
    output.console().print(table)


@cahier.command("fermer")
def fermer(
    ctx: typer.Context,
    numero: Annotated[int, typer.Argument(metavar="N", help="Numéro du cahier.")],
    ferme_le: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--ferme-le", metavar="JJ/MM/AAAA", help="Date de clôture (aujourd'hui par défaut)."),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Noter la clôture d'un cahier (ses contributions restent modifiables)."""
    from datetime import date

    from mairie_cli.dates import parse_date

    closed = parse_date(ferme_le) if ferme_le else date.today()
    with open_register(ctx, dossier) as register:
        cahier = register.close_cahier(numero, closed)
    output.success(f"Cahier n° {cahier.id} fermé le {output.date_fr(cahier.closed_on)}.")
