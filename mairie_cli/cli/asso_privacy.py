"""``mairie asso confidentialite``: the association's own check for personal data before it
publishes the open-data file."""

from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.asso import asso
from mairie_cli.cli.base import Commands, open_association
from mairie_cli.cli.options import Folder, Json

commands = Commands()


@asso.command("confidentialite")
def confidentialite(
    ctx: typer.Context,
    publier: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--publier",
            metavar="ID",
            help="Après vérification, remettre ce texte dans les données ouvertes (4 caractères suffisent).",
        ),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Lister les textes reçus où des données personnelles semblent encore présentes.

    La synthèse les met dans la feuille « À vérifier » et les laisse hors du fichier de données
    ouvertes ; après vérification, --publier ID les y remet (pour la version vérifiée : une
    correction ultérieure de la commune est vérifiée de nouveau).
    """
    from mairie_cli.services.association.privacy import release, to_check

    with open_association(ctx, dossier) as association:
        for ident in publier or []:
            insee, uuid, version = release(association, ident)
            output.success(f"{uuid[:8]} ({insee}, version {version}) : remis dans les données ouvertes.")
        found = to_check(association)
    if json:
        output.print_json([item.to_dict() for item in found])
        return
    if not found:
        output.info("Aucun texte reçu ne semble contenir de données personnelles.")
        return
    for item in found:
        seen = "; ".join(f"{kind} « {text} » ({rule})" for kind, rule, text in item.spans)
        output.console().print(f"[bold]{item.uuid[:8]}[/bold] ({item.insee}) : {output.escape(seen)}")
    output.info(
        f"{len(found)} texte(s) hors des données ouvertes. Vérifiez-les (feuille « À vérifier » de la "
        "synthèse) : un vrai nom ou numéro se corrige avec la commune ; un faux repérage se publie "
        "avec « mairie asso confidentialite --publier ID »."
    )
