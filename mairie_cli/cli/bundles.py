"""``mairie exporter`` and ``mairie verifier``: the bundles that leave the town hall."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register, report_error, state
from mairie_cli.cli.options import Folder, Json, SansChiffrement, TailleMax, Tout, Vers

if TYPE_CHECKING:
    from mairie_cli.bundle.seal import ExportedFile
    from mairie_cli.services.commune.export import ExportResult

commands = Commands()


@commands.command("exporter")
def exporter(
    ctx: typer.Context,
    vers: Vers = None,
    tout: Tout = False,
    taille_max: TailleMax = "10M",
    avec_scans: Annotated[
        bool, typer.Option("--avec-scans", help="Joindre les pages scannées d'où viennent les contributions.")
    ] = False,
    avec_manuscrits: Annotated[
        bool,
        typer.Option(
            "--avec-manuscrits",
            help="Avec --avec-scans : joindre aussi les pages manuscrites, où rien n'a pu être masqué.",
        ),
    ] = False,
    sans_chiffrement: SansChiffrement = False,
    apercu: Annotated[
        bool,
        typer.Option("--apercu", help="Montrer ce qui sera masqué (noms, téléphones…) sans rien exporter."),
    ] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Préparer le paquet signé et chiffré à envoyer à l'association (courriel ou clé USB).

    Les données personnelles des textes (téléphones, courriels, numéros de sécurité sociale,
    IBAN, adresses, noms) sont remplacées par [TÉLÉPHONE], [NOM]… ; --apercu montre lesquelles.
    """
    from mairie_cli.services.commune.export import export_bundle, parse_size

    if apercu:
        from mairie_cli.cli.privacy import show_preview
        from mairie_cli.services.commune.privacy import preview_pending

        with open_register(ctx, dossier) as register:
            show_preview(preview_pending(register, full=tout), json)
        return
    size = parse_size(taille_max)
    with open_register(ctx, dossier) as register, output.progress("Préparation du paquet") as progress:
        result = export_bundle(
            register, destination=vers, full=tout, max_size=size, encrypt=not sans_chiffrement,
            with_scans=avec_scans, with_handwritten=avec_manuscrits, progress=progress,
        )  # fmt: skip
    if json:
        output.print_json(result.to_dict())
    else:
        _report_export(result)


def _report_export(result: "ExportResult") -> None:
    if result.sequence is None:
        nothing_new(result.last_sequence)
        return
    what = f"{result.contributions} contribution(s)" + (
        f" et {result.tombstones} suppression(s)" if result.tombstones else ""
    )
    lock = "signé et chiffré pour l'association" if result.encrypted else "signé, NON chiffré"
    output.success(f"Paquet n° {result.sequence} ({what}), {lock} :")
    if result.masked:
        masked = ", ".join(f"{kind} : {n}" for kind, n in result.masked.items())
        output.info(f"Données personnelles masquées : {masked} (« mairie confidentialite » pour le détail).")
    list_parts(result.files)
    if result.pages_left_out:
        output.info(
            f"{result.pages_left_out} page(s) manuscrite(s) non jointe(s) : leur écriture n'a pas pu être "
            "lue, rien n'a donc pu y être masqué. Pour les joindre telles quelles : --avec-manuscrits."
        )
    if result.key_copied is not None:
        output.info(
            f"La clé publique de la commune est copiée à côté ({result.key_copied.name}) : l'association "
            "en a besoin la première fois, pour reconnaître vos paquets."
        )
    if result.copied_to is not None:
        output.success(
            f"Copié sur « {result.copied_to} » et relu sans erreur : vous pouvez retirer la clé USB."
        )
    if result.pages_to_type:
        output.warning(
            f"Attention : {result.pages_to_type} page(s) manuscrite(s) scannée(s) ne sont pas encore "
            "relues ou tapées : leurs contributions ne sont pas dans ce paquet (« mairie relire »)."
        )


def nothing_new(last_sequence: int | None) -> None:
    last = f" n° {last_sequence}" if last_sequence else ""
    output.info(
        f"Rien de nouveau depuis le dernier paquet{last} : aucun fichier créé (--tout pour tout renvoyer)."
    )


def list_parts(files: "list[ExportedFile]") -> None:
    """Each part's path (on standard output, for scripts), then its number, name and size."""
    for exported in files:
        typer.echo(str(exported.path))
        output.info(f"  partie {exported.part}/{len(files)} : {exported.name} ({_human(exported.size)})")


@commands.command("verifier")
def verifier(
    ctx: typer.Context,
    fichiers: Annotated[
        list[Path], typer.Argument(metavar="FICHIER", help="Paquets à vérifier (.zip ou .zip.age).")
    ],
    cle: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--cle",
            metavar="COMMUNE.PUB",
            help="Clé publique de la commune (par défaut : celle de cet espace de travail).",
        ),
    ] = None,
    identite: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--identite",
            metavar="FICHIER",
            help="Clé secrète age de l'association, pour ouvrir un paquet chiffré.",
        ),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Vérifier des paquets : signature, sommes de contrôle, parties et résumé d'état."""
    from mairie_cli.services.commune.verify import verify_bundles

    checks = verify_bundles(
        fichiers, key_file=cle, identity_file=identite, folder=dossier or state(ctx).folder
    )
    if json:
        output.print_json([check.to_dict() for check in checks])
    for check in checks:
        if json:
            continue
        if check.error is not None:
            report_error(check.error)
        elif check.bundle is not None and check.bundle.checked_content:
            bundle = check.bundle
            what = f"{bundle.contributions} contribution(s), {bundle.tombstones} suppression(s)"
            output.success(
                f"{bundle.file} : paquet n° {bundle.sequence} de la commune {bundle.insee}, partie "
                f"{bundle.part}/{bundle.parts}, {what} ; signature et sommes de contrôle correctes."
            )
        elif check.bundle is not None:
            output.success(f"{check.bundle.file} : {check.bundle.note}.")
    failed = next((check.error for check in checks if check.error is not None), None)
    if failed is not None:
        raise typer.Exit(int(failed.exit_code))


def _human(size: int) -> str:
    for unit in ("octets", "Kio", "Mio", "Gio"):
        if size < 1024 or unit == "Gio":
            return f"{size:.0f} {unit}" if unit == "octets" else f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024  # type: ignore[assignment]
    return str(size)
