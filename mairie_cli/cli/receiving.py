"""How a reception and the keys a receiver trusts are shown, at either level (the
association's, the federation's)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

import typer

from mairie_cli.cli import output

if TYPE_CHECKING:
    from mairie_cli.services.receiving import ReceptionReport


class _Key(Protocol):
    """What is shown of a public key before it is trusted."""

    @property
    def key_id(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


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


def backup_key_created(path: object, identity: str, give_back: str) -> None:
    """What to do with a backup key just created (``give_back``: which key goes to whom)."""
    output.success(f"Clé de secours créée dans « {path} » ({identity[:16]}…).")
    output.info(
        f"Rangez-la au coffre et ne la copiez pas sur l'ordinateur. {give_back} : leurs paquets "
        "s'ouvriront aussi avec la clé de secours."
    )


def confirm_fingerprint(key: _Key, sender: str, question: str, yes: bool) -> None:
    """Show a key about to be trusted and, at a terminal, ask whether the sender reads the same
    fingerprint over the phone; a « non » stops there, nothing changed."""
    out = output.console(stderr=True)
    out.print(f"{sender} — identifiant de la clé {key.key_id}")
    out.print(f"Empreinte : [bold]{key.fingerprint}[/bold]")
    if not yes and sys.stdin.isatty():
        from mairie_cli.cli.prompts import confirm

        if not confirm(question):
            output.info("Clé non reconnue ; rien n'a été modifié.")
            raise typer.Exit(1)


def trusted_table(keys: list[dict[str, Any]], heading: str, column: str, hint: str, json: bool) -> None:
    """The keys trusted, sender by sender (``column`` names the sender in each row)."""
    if json:
        output.print_json(keys)
        return
    if not keys:
        output.info(f"Aucune clé reconnue : « {hint} ».")
        return
    from rich.table import Table

    table = Table(heading, "Identifiant", "Empreinte", "Reconnue le")
    for row in keys:
        table.add_row(row[column], row["key_id"], row["fingerprint"], output.date_fr(row["added_at"]))
    output.console().print(table)
