"""``mairie ocr``: reading the scanned pages of a cahier."""

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import command, open_register
from mairie_cli.cli.options import CahierOpt, Folder, Json

_LABELS = {"brouillon": "dactylographiée", "manuscrit": "manuscrite", "vide": "blanche", "echec": "échec"}


def register(app: typer.Typer) -> None:
    """Add the command of this module to the application."""
    command(app, "ocr")(ocr)


def ocr(
    ctx: typer.Context,
    chemins: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(
            metavar="[CHEMINS]...", help="Fichiers ou dossiers de scans (par défaut : le dossier scans/)."
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
    from mairie_cli.services.ocr import run_ocr

    with open_register(ctx, dossier) as register, _progress() as progress:
        report = run_ocr(
            register, chemins, cahier_id=cahier, jobs=jobs, language=langue, timeout=delai,
            progress=progress,
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


def _summary(report: Any) -> None:
    from rich.table import Table

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
    output.info(
        f"{data['read']} page(s) lue(s) : {data['typed']} dactylographiée(s) ({data['drafts']} "
        f"brouillon(s) à relire), {data['handwritten']} manuscrite(s) à taper, {data['blank']} "
        f"blanche(s) ; {data['skipped']} déjà lue(s), ignorée(s) ; {len(data['failed'])} échec(s)."
    )
    if data["drafts"] or data["handwritten"]:
        output.info(
            "Étape suivante : « mairie relire » pour relire les brouillons et taper les pages manuscrites."
        )


class _progress:  # noqa: N801 - a context manager used like a function
    """Pages done, pages per minute and time left, on stderr (only on a terminal)."""

    def __enter__(self) -> Any:
        import sys

        self._bar = None
        if not sys.stderr.isatty():
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("Lecture des pages"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} p/min"), TimeRemainingColumn(),
            console=output.console(stderr=True), transient=True,
        )  # fmt: skip
        self._bar.start()
        task = self._bar.add_task("ocr", total=None, rate="—")

        def update(done: int, total: int, _outcome: Any) -> None:
            elapsed = self._bar.tasks[0].elapsed or 0  # type: ignore[union-attr]
            rate = f"{done / elapsed * 60:.0f}" if elapsed else "—"
            self._bar.update(task, completed=done, total=total, rate=rate)  # type: ignore[union-attr]

        return update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
