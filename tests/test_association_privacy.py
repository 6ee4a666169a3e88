"""Defence in depth at the association: the synthesis runs the communes' detector again over
what it received, lists what it still finds « À vérifier » and keeps it out of the open-data
file until the association releases the version it checked."""

import csv

from openpyxl import load_workbook

from mairie_cli.models import NewContribution
from mairie_cli.services.association.reception import receive
from mairie_cli.services.association.synthesis import build_synthesis
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.commune import privacy
from mairie_cli.services.commune.export import export_bundle
from mairie_cli.services.commune.keys import CommuneKeys, set_recipients
from mairie_cli.services.commune.register import Register

KEPT = "Ma voisine Rose Martin n'a plus de bus pour aller au marché."


def test_what_the_commune_let_through_is_held_back_until_checked(tmp_path, cli_at):
    association, _ = Association.init(tmp_path / "asso", "01", "AMR de l'Ain")
    register, _ = Register.init(tmp_path / "c", "01001")
    with register:
        register.open_cahier("Cahier")
        register.add(NewContribution(text="Rouvrir la poste du village deux matinées par semaine."))
        kept = register.add(NewContribution(text=KEPT))
        # The secretary decided « Rose Martin » was not personal data: it leaves unmasked.
        privacy.decide(register, [kept.uuid], keep="Rose Martin")
        set_recipients(register, association.recipients()[0])
        association.trust("01001", CommuneKeys.of(register.workspace).public)
        receive(association, [f.path for f in export_bundle(register).files])
    result = build_synthesis(association, tmp_path / "s.xlsx")
    assert (result.contributions, result.to_check) == (2, 1)
    with result.csv.open(encoding="utf-8-sig") as handle:
        published = [row["texte"] for row in csv.DictReader(handle, delimiter=";")]
    assert published == ["Rouvrir la poste du village deux matinées par semaine."]
    sheet = load_workbook(result.workbook)["À vérifier"]
    [[commune, uuid, seen, text]] = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert (commune, uuid, text) == ("01001 L'Abergement-Clémenciat", kept.uuid, KEPT)
    assert "NOM « Rose Martin »" in seen
    association.close()

    cli = cli_at(tmp_path / "asso")
    listed = cli("asso", "confidentialite")
    assert kept.uuid[:8] in listed.stdout and "1 texte(s) hors des données ouvertes" in listed.stderr
    released = cli("asso", "confidentialite", "--publier", kept.uuid[:6])
    assert released.exit_code == 0 and "remis dans les données ouvertes" in released.stderr
    assert "Aucun texte reçu" in released.stderr
    again = cli("asso", "synthese", "--json")
    assert '"to_check": 0' in again.stdout
