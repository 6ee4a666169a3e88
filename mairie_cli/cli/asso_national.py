"""``mairie asso cle``, ``asso config destinataire``, ``asso exporter``: the association's keys,
and the department's bundle for the national federation."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.asso import asso
from mairie_cli.cli.base import Commands, open_association
from mairie_cli.cli.bundles import list_parts, nothing_new
from mairie_cli.cli.options import Folder, Json, SansChiffrement, Secours, TailleMax, Tout, Vers
from mairie_cli.cli.receiving import backup_key_created

if TYPE_CHECKING:
    from mairie_cli.services.association.export import DepartmentExport

commands = Commands()
config = asso.group("config", "Réglages de l'association : la clé de la fédération nationale.")


@asso.command("cle")
def cle(
    ctx: typer.Context,
    secours: Secours = None,
    vers: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--vers", metavar="DOSSIER", help="Où écrire les fichiers des clés publiques."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Montrer la clé de chiffrement (age1…) à donner aux communes, et la clé de signature de
    l'association à donner à la fédération nationale ; les écrire dans des fichiers."""
    with open_association(ctx, dossier) as association:
        if secours is not None:
            backup = association.create_backup_identity(secours)
            backup_key_created(secours, backup, "Redonnez aux communes le fichier ci-dessous")
        recipients = association.recipients()
        folder = vers or association.workspace.root
        target = association.write_recipients(folder)
        signing = association.signing_key()
        signing_file = association.publish_signing_key(folder)
    if json:
        output.print_json(
            {
                "recipients": recipients, "file": str(target), "signing_key_id": signing.key_id,
                "signing_fingerprint": signing.fingerprint, "signing_file": str(signing_file),
            }
        )  # fmt: skip
        return
    out = output.console()
    out.print(f"Clé de chiffrement de l'association : {recipients[0]}", soft_wrap=True)
    if len(recipients) > 1:
        out.print(f"Clé de secours : {recipients[1]}", soft_wrap=True)
    output.success(
        f"Fichier à donner aux communes : {target} (chez elles : mairie config destinataire --fichier …)"
    )
    out.print(f"Clé de signature de l'association : {signing.key_id}, empreinte {signing.fingerprint}")
    output.success(
        f"Fichier à donner à la fédération nationale : {signing_file} (lisez-lui l'empreinte au "
        "téléphone : elle la compare avant de faire confiance à vos paquets)."
    )


@config.command("destinataire")
def destinataire(
    ctx: typer.Context,
    cles: Annotated[
        list[str],
        typer.Argument(metavar="AGE1…", help="Clé(s) de chiffrement de la fédération nationale (age1…)."),
    ],
    dossier: Folder = None,
) -> None:
    """Enregistrer la clé de chiffrement de la fédération nationale (et sa clé de secours)."""
    with open_association(ctx, dossier) as association:
        keys = association.set_national_recipients(cles)
    output.success(
        f"Les paquets du département seront chiffrés pour {len(keys)} clé(s) de la fédération nationale."
    )


@asso.command("exporter")
def exporter(
    ctx: typer.Context,
    vers: Vers = None,
    tout: Tout = False,
    taille_max: TailleMax = "10M",
    sans_chiffrement: SansChiffrement = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Préparer le paquet du département pour la fédération nationale : les contributions reçues
    des communes, telles qu'elles les ont signées, avec leur provenance ; signé par
    l'association, chiffré pour la fédération."""
    from mairie_cli.bundle.format import parse_size
    from mairie_cli.services.association.export import export_department

    size = parse_size(taille_max)
    with open_association(ctx, dossier) as association:
        result = export_department(
            association, destination=vers, full=tout, max_size=size, encrypt=not sans_chiffrement
        )
    if json:
        output.print_json(result.to_dict())
    else:
        _report(result)


def _report(result: "DepartmentExport") -> None:
    if result.sequence is None:
        nothing_new(result.last_sequence)
        return
    what = f"{result.contributions} contribution(s) de {result.communes} commune(s)" + (
        f" et {result.tombstones} suppression(s)" if result.tombstones else ""
    )
    lock = "signé et chiffré pour la fédération nationale" if result.encrypted else "signé, NON chiffré"
    output.success(f"Paquet du département n° {result.sequence} ({what}), {lock} :")
    list_parts(result.files)
    if result.copied_to is not None:
        output.success(
            f"Copié sur « {result.copied_to} » et relu sans erreur, avec la clé publique de "
            "l'association : vous pouvez retirer la clé USB."
        )
