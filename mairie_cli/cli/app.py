"""The ``mairie`` program: a thin layer over the library, one module per command group."""

from typing import Annotated

import typer

from mairie_cli import __version__
from mairie_cli.cli import (
    asso,
    asso_national,
    asso_privacy,
    backup,
    bundles,
    cahier,
    commune,
    entries,
    importing,
    keys,
    national,
    ocr,
    privacy,
    relire,
    saisie,
)
from mairie_cli.cli.base import State, new_app, state
from mairie_cli.cli.options import Folder

app = new_app(
    "mairie : les cahiers de doléances de la commune, saisis, numérisés et transmis à "
    "l'association départementale, sans connexion Internet."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mairie {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    dossier: Folder = None,
    debug: Annotated[bool, typer.Option("--debug", help="Afficher le détail technique des erreurs.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Afficher la version et quitter."),
    ] = False,
) -> None:
    """mairie : les cahiers de doléances de la commune, sans connexion Internet."""
    current = state(ctx)
    current.folder = dossier
    current.debug = debug


for module in (
    commune,
    cahier,
    saisie,
    entries,
    importing,
    ocr,
    relire,
    bundles,
    privacy,
    keys,
    backup,
    asso,
    asso_national,
    asso_privacy,
    national,
):
    module.commands.add_to(app)


def main() -> None:
    """Entry point of the ``mairie`` program."""
    app(prog_name="mairie")


__all__ = ["State", "app", "main"]
