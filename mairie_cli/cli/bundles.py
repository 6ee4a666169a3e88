"""``mairie exporter`` and ``mairie verifier``: the bundles that leave the town hall."""

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import command, open_register, report_error, state
from mairie_cli.cli.options import Folder, Json


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the application."""
    command(app, "exporter")(exporter)
    command(app, "verifier")(verifier)


def exporter(
    ctx: typer.Context,
    vers: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--vers",
            metavar="DOSSIER",
            help="Copier aussi le paquet dans ce dossier (une clé USB), copie relue et vérifiée.",
        ),
    ] = None,
    tout: Annotated[
        bool,
        typer.Option("--tout", help="Tout exporter, pas seulement ce qui a changé depuis le dernier paquet."),
    ] = False,
    taille_max: Annotated[
        str,
        typer.Option(
            "--taille-max",
            metavar="TAILLE",
            help="Taille maximale de chaque fichier (10M par défaut ; 500K, 2G…).",
        ),
    ] = "10M",
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
    sans_chiffrement: Annotated[
        bool,
        typer.Option(
            "--sans-chiffrement", help="Ne pas chiffrer le paquet (déconseillé : il reste lisible par tous)."
        ),
    ] = False,
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
        from mairie_cli.services.commune.privacy import preview
        from mairie_cli.storage.commune.exports import ExportStore

        with open_register(ctx, dossier) as register:
            pending = [c for c in ExportStore(register.db).pending(full=tout) if not c.deleted]
            show_preview(preview(register, pending), json)
        return
    size = parse_size(taille_max)
    with open_register(ctx, dossier) as register, output.progress("Préparation du paquet") as progress:
        result = export_bundle(
            register, destination=vers, full=tout, max_size=size, encrypt=not sans_chiffrement,
            with_scans=avec_scans, with_handwritten=avec_manuscrits, progress=progress,
        )  # fmt: skip
    if json:
        output.print_json(result.to_dict())
        return
    if result.sequence is None:
        last = f" n° {result.last_sequence}" if result.last_sequence else ""
        output.info(
            f"Rien de nouveau depuis le dernier paquet{last} : aucun fichier créé "
            "(--tout pour tout renvoyer)."
        )
        return
    what = f"{result.contributions} contribution(s)" + (
        f" et {result.tombstones} suppression(s)" if result.tombstones else ""
    )
    lock = "signé et chiffré pour l'association" if result.encrypted else "signé, NON chiffré"
    output.success(f"Paquet n° {result.sequence} ({what}), {lock} :")
    if result.masked:
        masked = ", ".join(f"{kind} : {n}" for kind, n in result.masked.items())
        output.info(f"Données personnelles masquées : {masked} (« mairie confidentialite » pour le détail).")
    for exported in result.files:
        typer.echo(str(exported.path))
        output.info(
            f"  partie {exported.part}/{len(result.files)} : {exported.name} ({_human(exported.size)})"
        )
    if result.pages_left_out:
        output.info(
            f"{result.pages_left_out} page(s) manuscrite(s) non jointe(s) : leur écriture n'a pas pu être "
            "lue, rien n'a donc pu y être masqué. Pour les joindre telles quelles : --avec-manuscrits."
        )
    if result.copied_to is not None:
        output.success(
            f"Copié sur « {result.copied_to} » et relu sans erreur : vous pouvez retirer la clé USB."
        )


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
    from mairie_cli.bundle.verify import verify_file
    from mairie_cli.crypto import signing
    from mairie_cli.crypto.encryption import read_identity
    from mairie_cli.errors import MairieError

    public = signing.read_public_key(cle) if cle else None
    identities = [read_identity(identite)] if identite else None
    known: list[dict[str, Any]] = []
    workspace_register = _maybe_register(ctx, dossier)
    if workspace_register is not None:
        from mairie_cli.services.commune.keys import CommuneKeys
        from mairie_cli.storage.commune.exports import ExportStore

        with workspace_register as reg:
            known = ExportStore(reg.db).exports()
            if public is None:
                public = CommuneKeys.of(reg.workspace).public_key()
    results: list[dict[str, Any]] = []
    first_error: MairieError | None = None
    for path in fichiers:
        try:
            bundle = verify_file(path, public_key=public, identities=identities, known_exports=known)
        except MairieError as exc:
            first_error = first_error or exc
            results.append({"file": path.name, "ok": False, "code": exc.code, "message": exc.message})
            if not json:
                report_error(exc)
            continue
        results.append({"ok": True, **bundle.to_dict()})
        if not json:
            if bundle.checked_content:
                what = f"{bundle.contributions} contribution(s), {bundle.tombstones} suppression(s)"
                output.success(
                    f"{bundle.file} : paquet n° {bundle.sequence} de la commune {bundle.insee}, partie "
                    f"{bundle.part}/{bundle.parts}, {what} ; signature et sommes de contrôle correctes."
                )
            else:
                output.success(f"{bundle.file} : {bundle.note}.")
    if json:
        output.print_json(results)
    if first_error is not None:
        raise typer.Exit(int(first_error.exit_code))


def _maybe_register(ctx: typer.Context, dossier: Path | None) -> Any:
    from mairie_cli.services.commune.register import Register
    from mairie_cli.workspace import Workspace

    workspace = Workspace.at(dossier or state(ctx).folder)
    return Register.open(workspace.root) if workspace.exists() else None


def _human(size: int) -> str:
    for unit in ("octets", "Kio", "Mio", "Gio"):
        if size < 1024 or unit == "Gio":
            return f"{size:.0f} {unit}" if unit == "octets" else f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024  # type: ignore[assignment]
    return str(size)
