"""``mairie confidentialite``: what would be masked before export, and the secretary's decisions."""

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import Folder, Json

if TYPE_CHECKING:
    from mairie_cli.privacy.detect import Span
    from mairie_cli.services.commune.privacy import PreviewReport


commands = Commands()


@commands.command("confidentialite")
def confidentialite(
    ctx: typer.Context,
    ids: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            metavar="ID", help="Contributions à examiner (par défaut : celles du prochain paquet)."
        ),
    ] = None,
    garder: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--garder", metavar="TEXTE", help="Ce texte n'est pas une donnée personnelle : le garder."
        ),
    ] = None,
    masquer: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--masquer", metavar="TEXTE", help="Masquer aussi ce texte (que le repérage a manqué)."),
    ] = None,
    type_: Annotated[
        str,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="Type du texte masqué : nom, adresse, telephone, courriel, nir, iban.",
        ),
    ] = "nom",
    oublier: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--oublier", metavar="TEXTE", help="Oublier une décision prise sur ce texte."),
    ] = None,
    choix: Annotated[bool, typer.Option("--choix", help="Lister les décisions enregistrées.")] = False,
    tout: Annotated[bool, typer.Option("--tout", help="Examiner toutes les contributions.")] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Voir ce qui sera masqué avant l'envoi (noms, téléphones, adresses…) et corriger le repérage.

    Sans option : les contributions du prochain paquet où quelque chose sera masqué, avec ce
    qui le sera en surbrillance. Avec --garder ou --masquer, la décision est retenue pour les
    contributions données (ou pour toute la commune sans identifiant) et vaut pour tous les
    envois suivants.
    """
    from mairie_cli.services.commune import privacy

    decided = any(d is not None for d in (garder, masquer, oublier))
    with open_register(ctx, dossier) as register:
        uuids = [register.resolve_id(i) for i in ids or []]
        if decided:
            bumped = privacy.decide(
                register, uuids, keep=garder, mask=masquer, forget_term=oublier, kind_name=type_
            )
            scope = f"{len(uuids)} contribution(s)" if uuids else "toute la commune"
            output.success(f"Décision enregistrée pour {scope}.")
            if bumped:
                output.info(
                    f"{bumped} contribution(s) déjà envoyée(s) repartiront au prochain paquet, corrigées."
                )
        if choix:
            _show_choices(privacy.decisions(register), json)
            return
        if decided and not uuids:
            return
        if uuids:
            report = privacy.preview(register, [register.get(u) for u in uuids], all_shown=True)
        else:
            report = privacy.preview_pending(register, full=tout)
    show_preview(report, json)


def _show_choices(rows: list[dict[str, Any]], json: bool) -> None:
    if json:
        output.print_json(rows)
        return
    if not rows:
        output.info("Aucune décision enregistrée.")
        return
    from rich.table import Table

    table = Table("Décision", "Texte", "Type", "Portée", "Le")
    for row in rows:
        scope = row["uuid"][:8] if row["uuid"] else "toute la commune"
        table.add_row(
            row["decision"],
            output.escape(row["term"]),
            row["kind"] or "",
            scope,
            output.date_fr(row["created_at"]),
        )
    output.console().print(table)


def show_preview(report: "PreviewReport", json: bool) -> None:
    """Print what would be masked (shared with « exporter --apercu »)."""
    if json:
        output.print_json(report.to_dict())
        return
    out = output.console()
    for item in report.shown:
        out.print(f"[bold]{item.contribution.short_id}[/bold]", soft_wrap=True)
        out.print(_highlighted(item.contribution.text, item.spans), soft_wrap=True)
        for span in item.spans:
            found = f"« {output.escape(span.text)} » → \\[{span.kind}]"
            why = f"règle « {output.escape(span.rule)} », confiance : {span.confidence}"
            out.print(f"  [dim]{found} : {why}[/dim]", soft_wrap=True)
        out.print()
    summary = ", ".join(f"{kind} : {n}" for kind, n in report.counts().most_common()) or "rien"
    touched = len(report.touched)
    examined = len(report.examined)
    output.info(f"{examined} contribution(s) examinée(s), {touched} avec des données masquées : {summary}.")
    output.info(
        "Les auteurs ne partent jamais en clair : ils voyagent sous un pseudonyme que seule la commune "
        "peut relier à leur nom (et leur nom, s'il revient dans le texte, y est masqué)."
    )
    if touched:
        output.info(
            'Un repérage faux ? mairie confidentialite ID --garder "texte". Un oubli ? '
            'mairie confidentialite ID --masquer "texte" --type nom (sans ID : pour toute la commune).'
        )


def _highlighted(text: str, spans: "list[Span]") -> str:
    pieces = []
    position = 0
    for span in spans:
        pieces.append(output.escape(text[position : span.start]))
        pieces.append(
            f"[black on yellow]{output.escape(span.text)}[/black on yellow][dim]→\\[{span.kind}][/dim]"
        )
        position = span.end
    pieces.append(output.escape(text[position:]))
    return "".join(pieces)
