"""How a reception is shown, at either level (the association's, the federation's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mairie_cli.cli import output

if TYPE_CHECKING:
    from mairie_cli.services.receiving import ReceptionReport

#: How each receipt is shown (colours for the table).
_SHOWN = {"appliqué": "[green]appliqué[/green]", "quarantaine": "[red]quarantaine[/red]"}


def reception_summary(report: ReceptionReport, sender: str) -> None:
    """The table of a reception (either level): each file, who sent it, what became of it."""
    from rich.table import Table

    from mairie_cli.services.receiving import Receipt

    err = output.console(stderr=True)
    if not report.outcomes:
        output.info("Aucun paquet trouvé (fichiers doleances-….zip.age).")
        return
    table = Table("Fichier", sender, "Envoi", "Résultat", "Contributions", box=None)
    for o in report.outcomes:
        envoi = (
            f"n° {o.sequence}" + (f" ({o.part}/{o.parts})" if o.parts and o.parts > 1 else "")
            if o.sequence
            else ""
        )
        counted = (
            f"{o.contributions}" + (f" (+{o.tombstones} suppr.)" if o.tombstones else "")
            if o.status == Receipt.APPLIED
            else ""
        )
        table.add_row(
            output.outside(o.file),
            o.insee or o.department or "",
            envoi,
            _SHOWN.get(o.status, str(o.status)),
            counted,
        )
    err.print(table)
    for o in report.outcomes:
        if o.code and o.message:
            err.print(f"[red]Erreur : [{o.code}][/red] {output.outside(o.message, 2000)}")
    for who, missing in report.missing.items():
        err.print(f"[yellow]{sender} {who} : il manque encore l'envoi {', '.join(missing)}.[/yellow]")
    output.info(
        f"{report.count(Receipt.APPLIED)} paquet(s) appliqué(s), {report.count(Receipt.DUPLICATE)} "
        f"doublon(s) ignoré(s), {report.count(Receipt.QUARANTINED)} en quarantaine."
    )
