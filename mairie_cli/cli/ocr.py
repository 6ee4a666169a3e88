"""``mairie ocr``: reading the scanned pages of a cahier."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder, Json

if TYPE_CHECKING:
    from mairie_cli.services.commune.ocr import OcrReport

_LABELS = {"brouillon": "dactylographiée", "manuscrit": "manuscrite", "vide": "blanche", "echec": "échec"}


commands = Commands()


@commands.command("ocr")
def ocr(
    ctx: typer.Context,
    chemins: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="CHEMINS", help="Fichiers ou dossiers de scans (par défaut : le dossier scans/)."
        ),
    ] = None,
    cahier: CahierOpt = None,
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--jobs", "-j", min=1, metavar="N", help="Pages lues en parallèle (par défaut : une par cœur)."
        ),
    ] = None,
    langue: Annotated[str, typer.Option("--langue", metavar="CODE", help="Langue de tesseract.")] = "fra",
    delai: Annotated[
        float, typer.Option("--delai", min=5, metavar="SECONDES", help="Temps maximal de lecture d'une page.")
    ] = 120.0,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Lire les pages scannées (PDF, TIFF, JPEG, PNG) et en tirer des brouillons à relire.

    Les pages dactylographiées deviennent des brouillons de contributions ; les pages
    manuscrites sont mises de côté pour être tapées avec « mairie relire ».
    """
    from mairie_cli.errors import BatchIncomplete
    from mairie_cli.services.commune.ocr import run_ocr

    with open_register(ctx, dossier) as register, output.progress("Lecture des pages", "p/min") as bar:
        report = run_ocr(
            register, chemins, cahier_id=cahier, jobs=jobs, language=langue, timeout=delai,
            progress=(lambda done, total, _page: bar(done, total)) if bar else None,
        )  # fmt: skip
    if json:
        output.print_json(report.to_dict())
    else:
        _summary(report)
    if not report.complete:
        problems = len(report.failed) + len(report.unreadable)
        raise BatchIncomplete(
            f"Lecture incomplète : {problems} fichier(s) ou page(s) n'ont pas pu être lus (voir "
            "ci-dessus). Les autres pages sont enregistrées ; relancez « mairie ocr » après "
            "correction : seules les pages manquantes seront lues."
        )


def _summary(report: "OcrReport") -> None:
    from rich.table import Table

    from mairie_cli.models import PageStatus

    data = report.to_dict()
    if report.pages:
        table = Table("Fichier", "Page", "Résultat", "Brouillons", "Détail", box=None)
        for page in report.pages:
            table.add_row(
                output.escape(page.file), str(page.page), _LABELS.get(page.status, page.status),
                str(page.drafts) if page.drafts else "",
                output.escape(page.error or (f"{page.seconds:.1f} s" if page.seconds else "")),
            )  # fmt: skip
        output.console(stderr=True).print(table)
    for _name, reason in report.unreadable:
        output.info(f"Erreur : [E182] {reason}")
    blank = [f"{output.escape(p.file)} p. {p.page}" for p in report.pages if p.status == PageStatus.BLANK]
    if blank:
        output.info(
            f"Page(s) blanche(s), à vérifier d'un coup d'œil : {', '.join(blank)} (« mairie relire "
            "--blanches » les montre)."
        )
    output.info(
        f"{data['read']} page(s) lue(s) : {data['typed']} dactylographiée(s) ({data['drafts']} "
        f"brouillon(s) à relire), {data['handwritten']} manuscrite(s) à taper, {data['blank']} "
        f"blanche(s) ; {data['skipped']} déjà lue(s), ignorée(s) ; {len(data['failed'])} échec(s)."
    )
    if data["drafts"] or data["handwritten"]:
        output.info(
            "Étape suivante : « mairie relire » pour relire les brouillons et taper les pages manuscrites."
        )
