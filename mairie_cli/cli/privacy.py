"""``mairie confidentialite``: what would be masked before export, and the secretary's decisions."""

from typing import Annotated, Any, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import command, open_register
from mairie_cli.cli.options import Folder, Json

#: Kinds as typed after --type (no accents needed) -> the detector's kinds.
KIND_NAMES = {
    "telephone": "TÉLÉPHONE", "téléphone": "TÉLÉPHONE", "courriel": "COURRIEL", "email": "COURRIEL",
    "nir": "NIR", "iban": "IBAN", "adresse": "ADRESSE", "nom": "NOM",
}  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the command of this module to the application."""
    command(app, "confidentialite")(confidentialite)


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
    from mairie_cli.errors import InvalidValue
    from mairie_cli.services.commune import privacy

    with open_register(ctx, dossier) as register:
        uuids = [register.resolve_id(i) for i in ids or []]
        decisions = [d for d in (garder, masquer, oublier) if d is not None]
        if len(decisions) > 1:
            raise InvalidValue("Une seule décision à la fois : --garder, --masquer ou --oublier.")
        if decisions:
            kind = KIND_NAMES.get(type_.strip().lower())
            if kind is None:
                raise InvalidValue(f"Le type « {type_} » est inconnu : {', '.join(sorted(set(KIND_NAMES)))}.")
            targets: list[Optional[str]] = list(uuids) or [None]  # noqa: UP045
            bumped = 0
            for uuid in targets:
                if oublier is not None:
                    bumped += privacy.forget(register, oublier, uuid=uuid)
                elif garder is not None:
                    bumped += privacy.choose(register, garder, privacy.KEEP, uuid=uuid)
                else:
                    bumped += privacy.choose(register, masquer or "", privacy.MASK, kind=kind, uuid=uuid)
            scope = f"{len(uuids)} contribution(s)" if uuids else "toute la commune"
            output.success(f"Décision enregistrée pour {scope}.")
            if bumped:
                output.info(
                    f"{bumped} contribution(s) déjà envoyée(s) repartiront au prochain paquet, corrigées."
                )
        if choix:
            _show_choices(privacy.decisions(register), json)
            return
        if decisions and not uuids:
            return
        if uuids:
            contributions = [register.get(u) for u in uuids]
        else:
            from mairie_cli.storage.commune.exports import ExportStore

            contributions = [c for c in ExportStore(register.db).pending(full=tout) if not c.deleted]
        shown = privacy.preview(register, contributions)
    show_preview(shown, json, all_shown=bool(uuids))


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


def show_preview(shown: list[Any], json: bool, all_shown: bool = False) -> None:
    """Print what would be masked (shared with « exporter --apercu »)."""
    from collections import Counter

    touched = [p for p in shown if p.spans]
    counts = Counter(s.kind for p in touched for s in p.spans)
    if json:
        output.print_json(
            {
                "examined": len(shown), "touched": len(touched), "counts": dict(counts),
                "contributions": [
                    {"id": p.contribution.uuid, "spans": [s.to_dict() for s in p.spans], "masked": p.masked}
                    for p in (shown if all_shown else touched)
                ],
            }
        )  # fmt: skip
        return
    out = output.console()
    for item in shown if all_shown else touched:
        out.print(f"[bold]{item.contribution.short_id}[/bold]", soft_wrap=True)
        out.print(_highlighted(item.contribution.text, item.spans), soft_wrap=True)
        out.print()
    summary = ", ".join(f"{kind} : {n}" for kind, n in counts.most_common()) or "rien"
    output.info(
        f"{len(shown)} contribution(s) examinée(s), {len(touched)} avec des données masquées : {summary}."
    )
    if touched:
        output.info(
            'Un repérage faux ? mairie confidentialite ID --garder "texte". Un oubli ? '
            'mairie confidentialite ID --masquer "texte" --type nom (sans ID : pour toute la commune).'
        )


def _highlighted(text: str, spans: list[Any]) -> str:
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
