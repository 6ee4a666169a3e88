"""``mairie importer``: entries already typed in Excel or LibreOffice."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder, Json

if TYPE_CHECKING:
    from mairie_cli.services.commune.importer import ImportReport

commands = Commands()


@commands.command("importer")
def importer(
    ctx: typer.Context,
    fichier: Annotated[Path, typer.Argument(metavar="FICHIER", help="Tableur .xlsx ou .csv à importer.")],
    cahier: CahierOpt = None,
    colonne: Annotated[
        list[str],
        typer.Option(
            "--colonne",
            metavar="CHAMP=EN-TÊTE",
            help="Indiquer la colonne d'un champ quand elle n'est pas reconnue, par exemple "
            '--colonne texte="Observations" (champs : texte, date, nature, auteur, page).',
        ),
    ] = [],  # noqa: B006 - Typer needs a literal default for a repeatable option
    partiel: Annotated[
        bool,
        typer.Option("--partiel", help="Importer les lignes valides même si d'autres sont refusées."),
    ] = False,
    essai: Annotated[
        bool,
        typer.Option("--essai", help="Tout vérifier et montrer le résultat sans rien importer."),
    ] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Importer des contributions déjà tapées dans un tableur (.xlsx ou .csv).

    Les colonnes sont reconnues par leur nom (Texte, Date, Nature, Auteur, Page…). Tout le
    fichier est importé d'un coup, ou rien ; importer deux fois le même fichier n'ajoute rien.
    """
    from mairie_cli.errors import RowsRejected
    from mairie_cli.services.commune.importer import ImportReport, import_file, parse_column_options

    forced = parse_column_options(colonne)
    with open_register(ctx, dossier) as register, output.progress("Import des lignes") as progress:
        try:
            report = import_file(
                register, fichier, cahier, columns=forced, partial=partiel, dry_run=essai,
                progress=progress,
            )  # fmt: skip
        except RowsRejected as exc:
            if isinstance(exc.report, ImportReport) and not json:
                _print_mapping(exc.report)
            raise
    if json:
        output.print_json(report.to_dict())
        return
    _print_mapping(report)
    if report.rejected_count:
        output.info(f"{report.rejected_count} ligne(s) refusée(s) :")
        for row in report.rejected:
            output.info(f"  - ligne {row.row} : {row.reason}")
        if report.rejected_count > len(report.rejected):
            output.info(f"  … et {report.rejected_count - len(report.rejected)} autre(s).")
    skipped = f", {report.already_present} déjà présente(s) ignorée(s)" if report.already_present else ""
    verb = "seraient importées (essai : rien n'a été enregistré)" if essai else "importée(s)"
    output.success(f"{report.imported} contribution(s) {verb} dans le cahier n° {report.cahier_id}{skipped}.")


def _print_mapping(report: "ImportReport") -> None:
    from mairie_cli.services.commune.importer import FIELDS

    output.info(
        f"Fichier « {report.file} », feuille « {report.sheet} », en-têtes ligne {report.header_row} :"
    )
    for name, header in report.mapping.items():
        output.info(f"  {FIELDS[name]:<7} ← colonne « {header} »")
    for header in report.ignored_columns:
        output.info(f"  (colonne « {header} » ignorée)")
