"""``mairie national …``: the national federation's side (its key, the associations it trusts,
reception of the departments' bundles, status of France, national synthesis)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from mairie_cli.cli import output
from mairie_cli.cli.base import Commands, open_national, state
from mairie_cli.cli.options import Folder, Json, Secours
from mairie_cli.cli.receiving import backup_key_created, confirm_fingerprint, reception_summary, trusted_table

commands = Commands()
national = commands.group(
    "national",
    "Fédération nationale : clé, associations reconnues, réception des paquets des départements, "
    "état, synthèse nationale.",
)
trust = national.group("confiance", "Les clés des associations départementales que la fédération reconnaît.")


@national.command("init")
def init(
    ctx: typer.Context,
    nom: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--nom", metavar="NOM", help="Nom de la fédération."),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Créer l'espace de travail de la fédération nationale et sa clé (sans rien effacer s'il existe)."""
    from mairie_cli.services.national.workspace import National

    national_, created = National.init(dossier or state(ctx).folder, nom)
    with national_:
        if created:
            output.success("Espace de travail de la fédération nationale créé.")
        else:
            output.info("L'espace de travail de la fédération existe déjà : rien n'a été effacé.")
        output.info(f"Dossier : {national_.workspace.root}")
        output.info(
            "Étapes suivantes : « mairie national cle » pour la clé à donner aux associations, puis "
            "« mairie national confiance ajouter association-NN.pub --departement NN » pour chacune."
        )


@national.command("cle")
def cle(
    ctx: typer.Context,
    secours: Secours = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Montrer la clé de chiffrement (age1…) à donner aux associations départementales, et la
    clé de secours ; avec --secours, créer celle-ci."""
    with open_national(ctx, dossier) as national_:
        if secours is not None:
            backup = national_.create_backup_identity(secours)
            backup_key_created(secours, backup, "Redonnez aux associations les deux clés ci-dessous")
        recipients = national_.recipients()
    if json:
        output.print_json({"recipient": recipients[0], "recipients": recipients})
        return
    out = output.console()
    out.print(recipients[0], soft_wrap=True)
    if len(recipients) > 1:
        out.print(f"Clé de secours : {recipients[1]}", soft_wrap=True)
    keys = " ".join(f"{r[:12]}…" for r in recipients)
    output.info(
        f"À donner à chaque association, qui la charge avec « mairie asso config destinataire {keys} » : "
        "ses envois ne s'ouvriront que chez la fédération."
    )


@trust.command("ajouter")
def trust_add(
    ctx: typer.Context,
    fichier: Annotated[
        Path,
        typer.Argument(metavar="FICHIER.pub", help="Clé de signature de l'association (association-NN.pub)."),
    ],
    departement: Annotated[str, typer.Option("--departement", metavar="NN", help="Numéro du département.")],
    oui: Annotated[bool, typer.Option("--oui", help="Ne pas demander de confirmation.")] = False,
    dossier: Folder = None,
) -> None:
    """Reconnaître la clé d'une association, après avoir comparé son empreinte au téléphone."""
    from mairie_cli.services.national.workspace import read_association_key

    question = "L'association lit-elle la même empreinte (commande « mairie asso cle ») ?"
    confirm_fingerprint(read_association_key(fichier), f"Département {departement}", question, oui)
    with open_national(ctx, dossier) as national_:
        _, added = national_.trust(departement, fichier)
    if added:
        output.success(f"Clé reconnue pour le département {departement}.")
    else:
        output.info(f"Cette clé était déjà reconnue pour le département {departement}.")


@trust.command("liste")
def trust_list(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Lister les clés reconnues, département par département."""
    with open_national(ctx, dossier) as national_:
        keys = national_.trusted_keys()
    hint = "mairie national confiance ajouter association-NN.pub --departement NN"
    trusted_table(keys, "Département", "department", hint, json)


@trust.command("retirer")
def trust_remove(
    ctx: typer.Context,
    departement: Annotated[str, typer.Argument(metavar="NN", help="Numéro du département.")],
    cle: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--cle", metavar="IDENTIFIANT", help="Retirer cette clé seulement (par défaut : toutes)."
        ),
    ] = None,
    dossier: Folder = None,
) -> None:
    """Ne plus reconnaître la clé d'une association (ses paquets iront en quarantaine)."""
    from mairie_cli.errors import KeyProblem

    with open_national(ctx, dossier) as national_:
        removed = national_.distrust(departement, cle)
    if not removed:
        raise KeyProblem(
            f"Aucune clé reconnue pour le département {departement}{' avec cet identifiant' if cle else ''}."
        )
    output.success(
        f"{removed} clé(s) retirée(s) pour le département {departement} : ce qui a déjà été reçu est "
        "gardé, les prochains paquets signés par cette clé iront en quarantaine."
    )


@national.command("recevoir")
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
        typer.Option("--identite", metavar="FICHIER", help="Autre clé secrète age (une clé de secours)."),
    ] = None,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Vérifier puis fusionner les paquets des départements, dans n'importe quel ordre."""
    from mairie_cli.errors import InvalidValue, ReceptionIncomplete, StateMismatch
    from mairie_cli.services.national.reception import receive
    from mairie_cli.services.receiving import Receipt

    if not chemins and not quarantaine:
        raise InvalidValue(
            "Indiquez les paquets reçus, ou le dossier qui les contient (par exemple la clé USB)."
        )
    with (
        open_national(ctx, dossier) as national_,
        output.progress("Réception des paquets", "paquets/min") as bar,
    ):
        report = receive(
            national_, chemins or [], identities=identite, retry_quarantine=quarantaine, progress=bar
        )
    if json:
        output.print_json(report.to_dict())
    else:
        reception_summary(report, "Département")
    quarantined = report.count(Receipt.QUARANTINED)
    if quarantined or report.count(Receipt.UNREADABLE):
        raise ReceptionIncomplete(
            f"{quarantined} paquet(s) mis en quarantaine (raison ci-dessus, et dans « mairie national "
            "etat ») ; les autres ont été appliqués."
        )
    if report.mismatches:
        raise StateMismatch(
            "Ce que la fédération détient de certains départements diffère de leur résumé signé (voir "
            "ci-dessus) : demandez-leur un export complet (mairie asso exporter --tout)."
        )


@national.command("etat")
def etat(ctx: typer.Context, dossier: Folder = None, json: Json = False) -> None:
    """Où en est chaque département : dernier envoi, envois manquants, communes, contributions, état."""
    with open_national(ctx, dossier) as national_:
        data = national_.status()
    if json:
        output.print_json(data)
        return
    from rich.table import Table

    out = output.console()
    table = Table("Dép.", "Association", "Envoi", "Manque", "Reçu le", "Communes", "Contrib.", "État")
    for column in (1, 4, 7):
        table.columns[column].no_wrap = True
    table.columns[1].max_width = 30
    for d in data["departments"]:
        communes = f"{d['communes_heard']}" + (f"/{d['communes_listed']}" if d["communes_listed"] else "")
        state_label = d["state"] + (f", {len(d['quarantined'])} en quarantaine" if d["quarantined"] else "")
        table.add_row(
            d["department"], output.outside(d["association"] or ""), str(d["last_sequence"] or "—"),
            ", ".join(d["missing"]) or "—", output.date_fr(d["last_received_at"]), communes,
            str(d["contributions"]), state_label,
        )  # fmt: skip
    out.print(table)
    out.print(
        f"{len(data['heard'])} département(s) entendu(s), {data['contributions']} contribution(s) ; "
        f"{len(data['silent'])} sans aucun envoi : {', '.join(data['silent'][:30])}"
        + ("…" if len(data["silent"]) > 30 else ""),
        soft_wrap=True,
    )
    if data["quarantine"]:
        out.print(f"[red]{len(data['quarantine'])} paquet(s) en quarantaine :[/red]")
        for q in data["quarantine"]:
            out.print(
                f"- {output.outside(q['stored_as'])} : \\[{q['code']}] {output.outside(q['reason'], 2000)}",
                soft_wrap=True,
            )


@national.command("synthese")
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
    taxonomie: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--taxonomie", metavar="FICHIER.toml", help="Thèmes à utiliser (par défaut : ceux de mairie)."
        ),
    ] = None,
    rapport: Annotated[
        bool,
        typer.Option(
            "--rapport",
            help="Écrire aussi le rapport à imprimer ou diffuser (PDF et HTML, à côté du classeur).",
        ),
    ] = False,
    dossier: Folder = None,
    json: Json = False,
) -> None:
    """Écrire la synthèse nationale : classeur de chiffres (thèmes, départements, tailles de
    commune, couverture, textes représentatifs, méthode), CSV de toutes les contributions et, avec
    --rapport, le rapport à imprimer (PDF et HTML)."""
    from mairie_cli.services.national.synthesis import build_national_synthesis

    with open_national(ctx, dossier) as national_, output.progress("Synthèse", "contributions/min") as bar:
        result = build_national_synthesis(
            national_, sortie, csv, taxonomy_path=taxonomie, progress=bar, with_report=rapport
        )
    if json:
        output.print_json(result.to_dict())
        return
    output.success(f"Classeur : {result.workbook}")
    output.success(f"Données ouvertes : {result.csv}")
    for path in result.reports:
        output.success(f"Rapport : {path}")
    output.info(
        f"{result.contributions} contribution(s) de {result.communes_heard} commune(s) et "
        f"{result.departments} département(s) ; taxonomie {result.taxonomy} ; {result.seconds} s."
    )
