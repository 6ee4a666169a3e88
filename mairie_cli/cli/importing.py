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
            '--colonne texte="Contribution", ou garder une colonne comme note de la mairie : '
            '--colonne note="Observations" (champs : texte, date, nature, auteur, page, note, numero).',
        ),
    ] = [],  # noqa: B006 - Typer needs a literal default for a repeatable option
    partiel: Annotated[
        bool,
        typer.Option("--partiel", help="Importer les lignes valides même si d'autres sont refusées."),
    ] = False,
    corrections: Annotated[
        str,
        typer.Option(
            "--corrections",
            metavar="CHOIX",
            help="Une ligne qui ressemble à une contribution déjà importée (une faute corrigée dans le "
            "tableur) : signaler (la mettre de côté, par défaut), appliquer (nouvelle version de "
            "cette contribution) ou ajouter (nouvelle contribution).",
        ),
    ] = "signaler",
    essai: Annotated[
        bool,
        typer.Option("--essai", help="Tout vérifier et montrer le résultat sans rien importer."),
    ] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Importer des contributions déjà tapées dans un tableur (.xlsx ou .csv).

    Les colonnes sont reconnues par leur nom (Texte, Date, Nature, Auteur ou Nom et Prénom,
    Page, N°…), même sur deux lignes d'en-têtes. Tout le fichier est importé d'un coup, ou rien ;
    les sous-titres et les lignes de total sont sautés. Importer de nouveau le même fichier
    n'ajoute rien ; avec une colonne N°, une ligne corrigée dans le tableur devient une nouvelle
    version de la même contribution.
    """
    from mairie_cli.errors import RowsRejected
    from mairie_cli.services.commune.importer import ImportReport, import_file, parse_column_options

    forced = parse_column_options(colonne)
    with open_register(ctx, dossier) as register, output.progress("Import des lignes") as progress:
        try:
            report = import_file(
                register, fichier, cahier, columns=forced, partial=partiel, dry_run=essai,
                corrections=corrections, progress=progress,
            )  # fmt: skip
        except RowsRejected as exc:
            if isinstance(exc.report, ImportReport) and not json:
                _print_mapping(exc.report)
            raise
    if json:
        output.print_json(report.to_dict())
        return
    _print_mapping(report)
    _print_rows(report)
    if report.rejected_count:
        output.info(f"{report.rejected_count} ligne(s) refusée(s) :")
        for row in report.rejected:
            output.info(f"  - ligne {row.row} : {row.reason}")
        if report.rejected_count > len(report.rejected):
            output.info(f"  … et {report.rejected_count - len(report.rejected)} autre(s).")
    skipped = f", {report.already_present} déjà présente(s) ignorée(s)" if report.already_present else ""
    skipped += f", {report.corrected} corrigée(s) (nouvelle version)" if report.corrected else ""
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
    named = [h for h in report.ignored_columns if not h.endswith("(sans en-tête)")]
    if named and "note" not in report.mapping:
        output.info(f'  Pour garder une colonne comme note de la mairie : --colonne note="{named[0]}"')


def _print_rows(report: "ImportReport") -> None:
    """Rows skipped as holding no data, and probable corrections held back."""
    for row in report.skipped[:20]:
        output.info(f"  ligne {row.row} sautée : {row.reason}")
    if len(report.skipped) > 20:
        output.info(f"  … et {len(report.skipped) - 20} autre(s) ligne(s) sautée(s).")
    if report.held:
        output.warning(
            f"{len(report.held)} ligne(s) ressemblent à des contributions déjà importées, corrigées "
            "depuis dans le tableur : elles ne sont pas ajoutées."
        )
        for held in report.held[:20]:
            output.info(
                f"  ligne {held.row} ≈ contribution n° {held.position} ({held.short_id}), "
                f"semblable à {held.similarity:.0%}"
            )
        output.info(
            "  Relancez avec --corrections appliquer pour en faire une nouvelle version de ces "
            "contributions, ou --corrections ajouter pour les ajouter comme nouvelles."
        )
