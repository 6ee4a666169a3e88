"""``mairie asso …``: the departmental association's side (keys, trust, reception, status)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_association, state
from mairie_cli.cli.options import Folder, Json
from mairie_cli.cli.receiving import confirm_fingerprint, reception_summary, trusted_table

commands = Commands()
asso = commands.group(
    "asso", "Association départementale : clés, communes reconnues, réception des paquets, état."
)
trust = asso.group("confiance", "Les clés des communes que l'association reconnaît.")

Taxonomie = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--taxonomie", metavar="FICHIER.toml", help="Thèmes à utiliser (par défaut : ceux de mairie)."
    ),
]


@asso.command("init")
def init(
    ctx: typer.Context,
    departement: Annotated[
        str, typer.Option("--departement", metavar="NN", help="Numéro du département (01, 2A, 974…).")
    ],
    nom: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--nom", metavar="NOM", help="Nom de l'association."),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Créer l'espace de travail de l'association et sa clé (sans rien effacer s'il existe)."""
    from mairie_cli.services.association.workspace import Association

    association, created = Association.init(dossier or state(ctx).folder, departement, nom)
    with association:
        if created:
            output.success(
                f"Espace de travail de l'association du département {association.department} créé."
            )
        else:
            output.info("L'espace de travail de l'association existe déjà : rien n'a été effacé.")
        output.info(f"Dossier : {association.workspace.root}")
        output.info(
            "Étapes suivantes : « mairie asso cle » pour la clé à donner aux communes, puis « mairie "
            "asso confiance ajouter commune-CODE.pub --commune CODE » pour chaque commune."
        )


@asso.command("communes")
def communes(
    ctx: typer.Context,
    fichier: Annotated[
        Path,
        typer.Argument(
            metavar="FICHIER", help="Liste des communes du département (CSV ou classeur, code INSEE)."
        ),
    ],
    dossier: Folder = None,
) -> None:
    """Charger la liste des communes du département (pour savoir qui n'a rien envoyé)."""
    with open_association(ctx, dossier) as association:
        result = association.load_communes(fichier)
        department = association.department
    if result.rows:
        output.success(f"{len(result.rows)} commune(s) du département {department} enregistrée(s).")
    if result.merged:
        output.success(
            f"{len(result.merged)} ancien(s) code(s) de communes fusionnées rattaché(s) à leur commune "
            "d'aujourd'hui (leurs envois comptent pour elle)."
        )
    if result.outside:
        output.info(f"{result.outside} ligne(s) d'autres départements ignorée(s).")
    if result.invalid:
        lines = ", ".join(str(n) for n in result.invalid[:10]) + ("…" if len(result.invalid) > 10 else "")
        output.info(f"{len(result.invalid)} ligne(s) sans code INSEE valide ignorée(s) (lignes {lines}).")


@trust.command("ajouter")
def trust_add(
    ctx: typer.Context,
    fichier: Annotated[Path, typer.Argument(metavar="FICHIER.pub", help="Clé publique de la commune.")],
    commune: Annotated[
        str, typer.Option("--commune", metavar="CODE_INSEE", help="Code INSEE de la commune.")
    ],
    oui: Annotated[bool, typer.Option("--oui", help="Ne pas demander de confirmation.")] = False,
    dossier: Folder = None,
) -> None:
    """Reconnaître la clé d'une commune, après avoir comparé son empreinte au téléphone."""
    from mairie_cli.services.association.workspace import read_commune_key

    question = "La mairie lit-elle la même empreinte (commande « mairie cle ») ?"
    confirm_fingerprint(read_commune_key(fichier), f"Commune {commune}", question, oui)
    with open_association(ctx, dossier) as association:
        key, added = association.trust(commune, fichier)
    if added:
        output.success(f"Clé reconnue pour la commune {commune}.")
    else:
        output.info(f"Cette clé était déjà reconnue pour la commune {commune}.")


@trust.command("liste")
def trust_list(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Lister les clés reconnues, commune par commune."""
    with open_association(ctx, dossier) as association:
        keys = association.trusted_keys()
    hint = "mairie asso confiance ajouter commune-CODE.pub --commune CODE"
    trusted_table(keys, "Commune", "insee", hint, json)


@trust.command("retirer")
def trust_remove(
    ctx: typer.Context,
    commune: Annotated[str, typer.Argument(metavar="CODE_INSEE", help="Code INSEE de la commune.")],
    cle: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--cle", metavar="IDENTIFIANT", help="Retirer cette clé seulement (par défaut : toutes)."
        ),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Ne plus reconnaître la clé d'une commune (ses paquets iront en quarantaine)."""
    from mairie_cli.errors import KeyProblem

    with open_association(ctx, dossier) as association:
        removed = association.distrust(commune, cle)
    if not removed:
        raise KeyProblem(
            f"Aucune clé reconnue pour la commune {commune}{' avec cet identifiant' if cle else ''}."
        )
    output.success(
        f"{removed} clé(s) retirée(s) pour la commune {commune} : ce qui a déjà été reçu est gardé, "
        "les prochains paquets signés par cette clé iront en quarantaine."
    )


@asso.command("recevoir")
def recevoir(
    ctx: typer.Context,
    chemins: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Argument(metavar="CHEMINS", help="Paquets reçus, ou dossiers qui en contiennent (clé USB…)."),
    ] = None,
    quarantaine: Annotated[
        bool, typer.Option("--quarantaine", help="Réexaminer aussi les paquets en quarantaine.")
    ] = False,
    identite: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--identite", metavar="FICHIER", help="Autre clé secrète age (la clé de secours)."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Vérifier puis fusionner les paquets des communes, dans n'importe quel ordre."""
    from mairie_cli.errors import InvalidValue, ReceptionIncomplete, StateMismatch
    from mairie_cli.services.association.reception import receive
    from mairie_cli.services.receiving import Receipt

    if not chemins and not quarantaine:
        raise InvalidValue(
            "Indiquez les paquets reçus, ou le dossier qui les contient (par exemple la clé USB)."
        )
    with (
        open_association(ctx, dossier) as association,
        output.progress("Réception des paquets", "paquets/min") as bar,
    ):
        report = receive(
            association, chemins or [], identities=identite, retry_quarantine=quarantaine, progress=bar
        )
    if json:
        output.print_json(report.to_dict())
    else:
        reception_summary(report, "Commune")
    quarantined = report.count(Receipt.QUARANTINED)
    if quarantined or report.count(Receipt.UNREADABLE):
        raise ReceptionIncomplete(
            f"{quarantined} paquet(s) mis en quarantaine (raison ci-dessus, et dans « mairie asso etat ») ; "
            "les autres ont été appliqués."
        )
    if report.mismatches:
        raise StateMismatch(
            "Ce que l'association détient de certaines communes diffère de leur résumé signé (voir "
            "ci-dessus) : demandez-leur un export complet."
        )


@asso.command("etat")
def etat(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Où en est chaque commune : dernier envoi, envois manquants, contributions, quarantaine."""
    with open_association(ctx, dossier) as association:
        data = association.status()
        name = association.name
    if json:
        output.print_json(data)
        return
    from rich.table import Table

    out = output.console()
    out.print(f"[bold]{output.outside(name)}[/bold] — département {data['department']}")
    table = Table("Commune", "Nom", "Envoi", "Manque", "Reçu le", "Contrib.", "État")
    table.columns[4].no_wrap = True
    for c in data["communes"]:
        state_label = c["state"] + (f", {len(c['quarantined'])} en quarantaine" if c["quarantined"] else "")
        name = (c["name"] or "") + (f" (aujourd'hui {c['now_part_of']})" if c["now_part_of"] else "")
        table.add_row(
            c["insee"], output.outside(name), str(c["last_sequence"] or "—"),
            ", ".join(c["missing"]) or "—", output.date_fr(c["last_received_at"]),
            str(c["contributions"]), state_label,
        )  # fmt: skip
    out.print(table)
    heard = len(data["communes"])
    if data["listed"]:
        out.print(
            f"{heard} commune(s) entendue(s) ; {len(data['silent'])} sur {data['listed']} de la liste "
            "sans aucun envoi.",
            soft_wrap=True,
        )
        if data["silent"]:
            shown = ", ".join(f"{s['insee']} {s['name'] or ''}".strip() for s in data["silent"][:20])
            more = "…" if len(data["silent"]) > 20 else ""
            out.print(f"Sans nouvelles : {output.outside(shown, 5000)}{more}", soft_wrap=True)
    else:
        out.print(
            f"{heard} commune(s) entendue(s). Chargez la liste du département (« mairie asso communes "
            "FICHIER.csv ») pour voir celles qui n'ont rien envoyé.",
            soft_wrap=True,
        )
    if data["quarantine"]:
        out.print(f"[red]{len(data['quarantine'])} paquet(s) en quarantaine :[/red]")
        for q in data["quarantine"]:
            out.print(
                f"- {output.outside(q['stored_as'])} : \\[{q['code']}] {output.outside(q['reason'], 2000)}",
                soft_wrap=True,
            )


@asso.command("synthese")
def synthese(
    ctx: typer.Context,
    sortie: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--sortie", metavar="FICHIER.xlsx", help="Classeur à écrire (par défaut : syntheses/)."),
    ] = None,
    csv: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--csv", metavar="FICHIER.csv", help="Données ouvertes (par défaut : à côté du classeur)."
        ),
    ] = None,
    rapport: Annotated[
        bool,
        typer.Option(
            "--rapport",
            help="Écrire aussi le rapport à imprimer ou diffuser (PDF et HTML, à côté du classeur).",
        ),
    ] = False,
    taxonomie: Taxonomie = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Écrire la synthèse départementale : classeur (thèmes, graphiques, méthode), CSV ouvert, rapport."""
    from mairie_cli.services.association.synthesis import build_synthesis

    with (
        open_association(ctx, dossier) as association,
        output.progress("Synthèse", "contributions/min") as bar,
    ):
        result = build_synthesis(
            association, sortie, csv, taxonomy_path=taxonomie, progress=bar, with_report=rapport
        )
    if json:
        output.print_json(result.to_dict())
        return
    output.success(f"Classeur : {result.workbook}")
    output.success(f"Données ouvertes : {result.csv}")
    for path in result.reports:
        output.success(f"Rapport : {path}")
    share = f"{result.to_classify / result.contributions:.0%}" if result.contributions else "—"
    output.info(
        f"{result.contributions} contribution(s) de {result.communes_heard} commune(s) ; "
        f"{result.to_classify} « à classer » ({share}) ; {result.groups} groupe(s) de quasi-doublons ; "
        f"taxonomie {result.taxonomy} ; {result.seconds} s."
    )


@asso.command("theme")
def theme(
    ctx: typer.Context,
    ident: Annotated[
        str, typer.Argument(metavar="ID", help="Identifiant de la contribution (4 caractères au moins).")
    ],
    principal: Annotated[
        str, typer.Argument(metavar="THEME", help="Thème principal (identifiant, ou a_classer).")
    ],
    secondaires: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(metavar="SECONDAIRES", help="Thèmes secondaires, s'il y en a."),
    ] = None,
    taxonomie: Taxonomie = None,
    dossier: Folder = None,
) -> None:
    """Corriger le thème d'une contribution : la correction prime sur le classement automatique."""
    from mairie_cli.services.association.synthesis import set_theme

    with open_association(ctx, dossier) as association:
        insee, uuid = set_theme(association, ident, principal, secondaires or [], taxonomy_path=taxonomie)
    output.success(
        f"Contribution {uuid[:8]} ({insee}) : thème « {principal} » retenu pour les prochaines synthèses."
    )
