"""Commands on contributions: ajouter, liste, voir, corriger, supprimer, chercher."""

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_register
from mairie_cli.cli.options import CahierOpt, Folder, Json

if TYPE_CHECKING:  # only for annotations, kept as strings below
    from mairie_cli.models import Contribution

Ident = Annotated[
    str,
    typer.Argument(metavar="ID", help="Identifiant de la contribution (ses premiers caractères suffisent)."),
]
NatureOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--nature",
        "-n",
        metavar="NATURE",
        help="doléance (ou doleance, d), proposition (p), autre (a).",
    ),
]
DateOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--date", metavar="JJ/MM/AAAA", help="Date écrite dans le cahier."),
]
AuthorOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--auteur", "-a", metavar="NOM", help="Auteur tel qu'il a signé (facultatif)."),
]
PageOpt = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option("--page", "-p", metavar="N", help="Numéro de page du cahier papier."),
]


commands = Commands()


@commands.command("ajouter")
def ajouter(
    ctx: typer.Context,
    texte: Annotated[str, typer.Option("--texte", "-t", metavar="TEXTE", help="Texte de la contribution.")],
    nature: NatureOpt = None,
    date: DateOpt = None,
    auteur: AuthorOpt = None,
    page: PageOpt = None,
    cahier: CahierOpt = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Enregistrer une contribution (pour les scripts ; « mairie saisir » pour taper un cahier)."""
    from mairie_cli.dates import parse_date
    from mairie_cli.models import Nature, NewContribution

    entry = NewContribution(
        text=texte,
        nature=Nature.parse(nature) if nature else Nature.DOLEANCE,
        written_on=parse_date(date) if date else None,
        author=auteur,
        page_number=page,
    )
    with open_register(ctx, dossier) as register:
        saved = register.add(entry, cahier)
    if json:
        output.print_json(saved.to_dict())
        return
    typer.echo(saved.uuid)
    output.success(
        f"Contribution {saved.short_id} enregistrée (cahier {saved.cahier_id}, n° {saved.position})."
    )


@commands.command("liste")
def liste(
    ctx: typer.Context,
    cahier: CahierOpt = None,
    nature: NatureOpt = None,
    supprimees: Annotated[
        bool, typer.Option("--supprimees", help="Inclure les contributions supprimées.")
    ] = False,
    limite: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--limite", metavar="N", min=1, help="Afficher au plus N contributions."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Lister les contributions dans l'ordre du cahier."""
    from mairie_cli.models import Nature

    chosen = Nature.parse(nature) if nature else None
    with open_register(ctx, dossier) as register:
        rows = register.contributions(
            cahier_id=cahier, nature=chosen, include_deleted=supprimees, limit=limite
        )
        if json:
            output.stream_json_array(c.to_dict() for c in rows)
            return
        _print_table(list(rows))


def _print_table(rows: "list[Contribution]", snippets: "list[str] | None" = None) -> None:
    if not rows:
        output.info("Aucune contribution.")
        return
    from rich.table import Table
    from rich.text import Text

    out = output.console()
    # One line per contribution (« mairie voir ID » shows the whole text): the text gets what
    # the other columns leave of the terminal's width.
    several = len({c.cahier_id for c in rows}) > 1
    table = Table(expand=True, box=None, header_style="bold")
    for header in ("ID", *(["Cahier"] if several else []), "N°", "Date", "Nature", "Page"):
        table.add_column(header, no_wrap=True)
    table.add_column("Texte", no_wrap=True, overflow="ellipsis", ratio=1)
    for index, c in enumerate(rows):
        text: Any = output.short(c.text, 300)
        if snippets is not None:
            text = _highlight(snippets[index])
        elif c.deleted:
            text = Text(f"(supprimée) {output.short(c.text, 58)}", style="dim strike")
        elif c.status == "brouillon":
            text = Text(f"(brouillon) {output.short(c.text, 300)}", style="italic")
        table.add_row(
            c.short_id, *([str(c.cahier_id)] if several else []), str(c.position),
            output.date_fr(c.written_on), c.nature.label, str(c.page_number or ""), text,
        )  # fmt: skip
    out.print(table)


def _highlight(snippet: str) -> Any:
    from rich.text import Text

    text = Text()
    flat = " ".join(snippet.split())
    for index, part in enumerate(flat.replace("\x03", "\x02").split("\x02")):
        text.append(part, style="bold yellow" if index % 2 else "")
    return text


@commands.command("voir")
def voir(ctx: typer.Context, ident: Ident, dossier: Folder = None, json: Json = False) -> None:
    """Afficher une contribution en entier, avec son historique."""
    with open_register(ctx, dossier) as register:
        contribution = register.get(ident)
        history = register.history(contribution.uuid)
    if json:
        output.print_json({**contribution.to_dict(), "history": history})
        return
    out = output.console()
    c = contribution
    status = f"[red]supprimée le {output.date_fr(c.deleted_at)}[/red]" if c.deleted else "active"
    lines = [
        f"[bold]Contribution {c.uuid}[/bold]  (version {c.version}, {status})",
        f"Cahier : n° {c.cahier_id} « {output.escape(c.cahier_title or '')} », position {c.position}"
        + (f", page {c.page_number}" if c.page_number else ""),
        f"Date : {output.date_fr(c.written_on)}    Nature : {c.nature.label}    Source : {c.source.value}",
        f"Auteur : {output.escape(c.author or '—')}",
        "",
        output.escape(c.text),
        "",
        *([f"[cyan]Note de la mairie :[/cyan] {output.escape(c.note)}", ""] if c.note else []),
        "[bold]Historique[/bold]",
    ]
    actions = {"create": "création", "update": "correction", "delete": "suppression"}
    for event in history:
        lines.append(
            f"  {output.date_fr(event['at'])} {event['at'][11:16]}  "
            f"{actions.get(event['action'], event['action'])} (version {event['version']}) "
            f"par {output.escape(event['actor'])}"
        )
    out.print("\n".join(lines))


@commands.command("corriger")
def corriger(
    ctx: typer.Context,
    ident: Ident,
    texte: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--texte", "-t", metavar="TEXTE", help="Nouveau texte."),
    ] = None,
    nature: NatureOpt = None,
    date: DateOpt = None,
    auteur: AuthorOpt = None,
    page: PageOpt = None,
    dossier: Folder = None,
) -> None:
    """Corriger une contribution ; sans option, son texte s'affiche pour être corrigé sur place.

    Le texte se corrige à l'écran (flèches, Ctrl+F pour chercher un mot, Tab pour terminer), ou
    dans l'éditeur indiqué par la variable EDITOR quand elle existe.

    La correction crée une nouvelle version ; l'ancienne reste dans le journal.
    """
    from mairie_cli.dates import parse_date
    from mairie_cli.models import Nature

    changes: dict[str, Any] = {}
    if texte is not None:
        changes["text"] = texte
    if nature is not None:
        changes["nature"] = Nature.parse(nature)
    if date is not None:
        changes["written_on"] = parse_date(date) if date.strip() else None
    if auteur is not None:
        changes["author"] = auteur
    if page is not None:
        changes["page_number"] = page
    with open_register(ctx, dossier) as register:
        current = register.get(ident)
        if not changes:
            from mairie_cli.cli.prompts import edit_text

            try:
                changes["text"] = edit_text(current.text)
            except (EOFError, KeyboardInterrupt):
                changes.clear()
        saved = register.correct(current.uuid, **changes) if changes else None
    if saved is None:
        output.info("Aucune modification : la contribution est inchangée.")
    else:
        output.success(f"Contribution {saved.short_id} corrigée (version {saved.version}).")


@commands.command("supprimer")
def supprimer(
    ctx: typer.Context,
    ident: Ident,
    oui: Annotated[bool, typer.Option("--oui", "-y", help="Ne pas demander de confirmation.")] = False,
    dossier: Folder = None,
) -> None:
    """Supprimer une contribution (elle reste dans le journal et peut être consultée)."""
    with open_register(ctx, dossier) as register:
        current = register.get(ident)
        question = f"Supprimer la contribution {current.short_id} « {output.short(current.text, 50)} » ?"
        from mairie_cli.cli.prompts import confirm

        if not oui and not confirm(question):
            raise typer.Abort()
        deleted = register.delete(current.uuid)
    output.success(f"Contribution {deleted.short_id} supprimée (version {deleted.version}).")


@commands.command("chercher")
def chercher(
    ctx: typer.Context,
    mots: Annotated[
        list[str],
        typer.Argument(
            metavar="MOTS",
            help="Mots à chercher, sans souci des accents ni des majuscules ; "
            '"entre guillemets" pour une expression exacte, mot* pour un début de mot.',
        ),
    ],
    limite: Annotated[
        int, typer.Option("--limite", metavar="N", min=1, help="Nombre maximal de résultats.")
    ] = 50,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Chercher des contributions par leurs mots."""
    query = " ".join(f'"{m}"' if " " in m else m for m in mots)
    with open_register(ctx, dossier) as register:
        result = register.search(query, limite)
    if json:
        output.print_json(
            {
                "total": result.total,
                "results": [
                    {**c.to_dict(), "snippet": s.replace("\x02", "**").replace("\x03", "**")}
                    for c, s in result.hits
                ],
            }
        )
        return
    _print_table([c for c, _ in result.hits], [s for _, s in result.hits])
    shown = len(result.hits)
    suffix = f" ({shown} affichées)" if shown < result.total else ""
    output.info(f"{result.total} contribution(s) trouvée(s){suffix}.")
