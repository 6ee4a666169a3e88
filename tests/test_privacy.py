"""Personal data: the detector, masking on export, the secretary's decisions."""

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from mairie_cli.models import NewContribution
from mairie_cli.privacy import masking
from mairie_cli.privacy.detect import KINDS, Detector
from mairie_cli.privacy.evaluation import score
from mairie_cli.services import privacy
from mairie_cli.services.export import export_bundle

LABELLED = Path(__file__).parent / "data" / "donnees_personnelles.jsonl"


def kinds_found(text: str, detector: Detector | None = None) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in (detector or Detector()).find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Appelez le 06 12 34 56 78.", [("TÉLÉPHONE", "06 12 34 56 78")]),
        ("Tél. : 04.74.12.34.56", [("TÉLÉPHONE", "04.74.12.34.56")]),
        ("joignable au +33 (0)6 12 34 56 78 le soir", [("TÉLÉPHONE", "+33 (0)6 12 34 56 78")]),
        ("mon portable O6 12 34 56 78", [("TÉLÉPHONE", "O6 12 34 56 78")]),
        ("Guadeloupe : 0590 12 34 56", [("TÉLÉPHONE", "0590 12 34 56")]),
        ("écrire à jean.dupont@orange.fr merci", [("COURRIEL", "jean.dupont@orange.fr")]),
        ("courriel jdupont(at)gmail.com", [("COURRIEL", "jdupont(at)gmail.com")]),
        ("OCR : marie.roux © wanadoo.fr", [("COURRIEL", "marie.roux © wanadoo.fr")]),
        ("sécu 1 85 05 78 006 084 91 perdue", [("NIR", "1 85 05 78 006 084 91")]),
        ("Corse : 2 90 11 2A 004 035 42", [("NIR", "2 90 11 2A 004 035 42")]),
        ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", [("IBAN", "FR76 3000 6000 0112 3456 7890 189")]),
        ("J'habite au 12 bis rue de la Gare, 01400 Châtillon-sur-Chalaronne depuis 1990.",
         [("ADRESSE", "12 bis rue de la Gare, 01400 Châtillon-sur-Chalaronne")]),
        ("au 8 avenue Victor Hugo, le trottoir est cassé", [("ADRESSE", "8 avenue Victor Hugo")]),
        ("Je m'appelle Sophie Garnier.", [("NOM", "Sophie Garnier")]),
        ("Mme Lefèvre et le docteur Morel", [("NOM", "Lefèvre"), ("NOM", "Morel")]),
        ("Signé : Pierre Martin", [("NOM", "Pierre Martin")]),
        ("DUPONT Jean, retraité", [("NOM", "DUPONT Jean")]),
    ],
)  # fmt: skip
def test_detects_each_kind(text, expected):
    assert kinds_found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Monsieur le Maire, Madame la Préfète, M. le Président de la République.",
        "Emmanuel Macron et M. Macron ; Marine Le Pen ; Jean-Luc Mélenchon.",
        "La rue Jean Jaurès est mal éclairée, le collège Jean Moulin et l'école Jules Ferry aussi.",
        "Écrire à mairie@marsonnas.fr ou à contact@amr01.org.",
        "Le terrain s'est vendu 1 250 000 euros le 12/03/2019 ; article 49.3 ; 35 heures.",
        "Sécu fausse : 1 85 05 78 006 084 92 ; IBAN faux FR76 3000 6000 0112 3456 7890 188.",
        "La route de la gare est dangereuse, 1 voie sur 3 est fermée.",
        "Nous fêtons la Saint-Jean et Jeanne d'Arc.",
    ],
)
def test_leaves_public_and_look_alike_data(text):
    assert kinds_found(text) == []


def test_masking_replaces_each_span_with_its_placeholder():
    masked, counts = Detector().mask("M. Dupont, 06 12 34 56 78, dupont@free.fr, 3 rue des Lilas.")
    assert masked == "M. [NOM], [TÉLÉPHONE], [COURRIEL], [ADRESSE]."
    assert counts == {"NOM": 1, "TÉLÉPHONE": 1, "COURRIEL": 1, "ADRESSE": 1}


def test_decisions_keep_and_mask():
    text = "Rose Martin et M. Legrand, 06 12 34 56 78"
    assert ("NOM", "Rose Martin") not in kinds_found(text)
    detector = Detector(keep=["legrand"], mask=[("rose martin", "NOM")])
    assert kinds_found(text, detector) == [("NOM", "Rose Martin"), ("TÉLÉPHONE", "06 12 34 56 78")]


def test_labelled_set_reaches_the_targets():
    items = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 200
    result = score(Detector(), items)
    for kind in KINDS:
        assert result.labelled[kind] >= 15, kind  # varied formats of every kind
        target = 0.99 if kind in ("TÉLÉPHONE", "COURRIEL", "NIR", "IBAN") else 0.90
        assert result.recall(kind) >= target, (kind, result.misses[:5])
    assert result.precision() >= 0.90, result.false_alarms[:5]


# -- on export -------------------------------------------------------------------------------


def bundle_records(path: Path) -> tuple[list[dict], dict, str, str]:
    with zipfile.ZipFile(path) as archive:

        def member(suffix):
            [name] = [n for n in archive.namelist() if n.endswith(suffix)]
            return archive.read(name).decode("utf-8")

        records = [json.loads(line) for line in member("data/contributions.jsonl").splitlines()]
        return (
            records,
            json.loads(member("data/masquage.json")),
            member("bag-info.txt"),
            member("contributions.csv"),
        )


PRIVATE = "Je m'appelle Jean Dupont, 12 rue des Lilas, tél. 06 12 34 56 78, jean.dupont@orange.fr."


def test_export_masks_by_default_and_keeps_the_original(register):
    kept = register.add(NewContribution(text=PRIVATE, author="Jean Dupont"))
    register.add(NewContribution(text="Plus de bus le samedi."))
    result = export_bundle(register, encrypt=False)
    records, masking_counts, info, csv_text = bundle_records(result.files[0].path)
    assert records[0]["text"] == "Je m'appelle [NOM], [ADRESSE], tél. [TÉLÉPHONE], [COURRIEL]."
    assert records[1]["text"] == "Plus de bus le samedi."
    assert "Dupont" not in csv_text and "06 12" not in csv_text and "orange" not in csv_text
    assert masking_counts == {
        "masque": True,
        "nombre": {"TÉLÉPHONE": 1, "COURRIEL": 1, "NIR": 0, "IBAN": 0, "ADRESSE": 1, "NOM": 1},
    }
    assert "Mairie-Masked: TÉLÉPHONE=1, COURRIEL=1, NIR=0, IBAN=0, ADRESSE=1, NOM=1" in info
    assert result.masked == {"TÉLÉPHONE": 1, "COURRIEL": 1, "ADRESSE": 1, "NOM": 1}
    assert register.get(kept.uuid).text == PRIVATE  # the commune keeps the original


def test_workers_mask_exactly_as_in_process(register, monkeypatch, tmp_path):
    texts = [f"{PRIVATE} n° {i}" if i % 3 == 0 else f"Texte sans rien n° {i}." for i in range(40)]
    for text in texts:
        register.add(NewContribution(text=text))
    inline = export_bundle(register, encrypt=False, full=True)
    monkeypatch.setattr(masking, "PARALLEL_FROM", 10)
    monkeypatch.setattr(masking, "_BATCH", 7)
    parallel = export_bundle(register, encrypt=False, full=True)
    first, second = bundle_records(inline.files[0].path)[0], bundle_records(parallel.files[0].path)[0]
    assert [r["text"] for r in first] == [r["text"] for r in second]
    assert inline.masked == parallel.masked == {"TÉLÉPHONE": 14, "COURRIEL": 14, "ADRESSE": 14, "NOM": 14}


def test_decisions_are_remembered_and_resend_what_they_change(register):
    entry = register.add(NewContribution(text="Rose Martin propose un marché. M. Legrand aussi."))
    other = register.add(NewContribution(text="Rose Martin est d'accord."))
    export_bundle(register, encrypt=False)
    assert privacy.choose(register, "Rose Martin", privacy.MASK, kind="NOM") == 2
    # Already waiting for the next export: no second new version.
    assert privacy.choose(register, "Legrand", privacy.KEEP, uuid=entry.uuid) == 0
    assert register.get(entry.uuid).version == 2 and register.get(other.uuid).version == 2
    second = export_bundle(register, encrypt=False)
    records = {r["uuid"]: r["text"] for r in bundle_records(second.files[0].path)[0]}
    assert records == {
        entry.uuid: "[NOM] propose un marché. M. Legrand aussi.",
        other.uuid: "[NOM] est d'accord.",
    }
    # Forgetting a decision changes the exported form back, and sends it again.
    assert privacy.forget(register, "Legrand", uuid=entry.uuid) == 1
    third = export_bundle(register, encrypt=False)
    assert [r["text"] for r in bundle_records(third.files[0].path)[0]] == [
        "[NOM] propose un marché. M. [NOM] aussi."
    ]
    # A decision that changes nothing already sent bumps nothing.
    assert privacy.choose(register, "Marcel Inconnu", privacy.KEEP) == 0


def test_confidentialite_command(cli, register):
    entry = register.add(NewContribution(text=PRIVATE))
    register.add(NewContribution(text="Rien de privé ici."))
    result = cli("confidentialite", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["examined"] == 2 and data["touched"] == 1
    assert data["contributions"][0]["masked"].startswith("Je m'appelle [NOM]")
    assert [s["kind"] for s in data["contributions"][0]["spans"]] == [
        "NOM",
        "ADRESSE",
        "TÉLÉPHONE",
        "COURRIEL",
    ]
    plain = cli("confidentialite")
    assert "Jean Dupont→[NOM]" in plain.stdout and "NOM : 1" in plain.stderr
    kept = cli("confidentialite", entry.short_id, "--garder", "Jean Dupont")
    assert kept.exit_code == 0, kept.output
    choices = json.loads(cli("confidentialite", "--choix", "--json").stdout)
    assert [(c["decision"], c["term"], c["uuid"]) for c in choices] == [("garder", "Jean Dupont", entry.uuid)]
    preview = json.loads(cli("exporter", "--apercu", "--json").stdout)
    assert [s["kind"] for s in preview["contributions"][0]["spans"]] == ["ADRESSE", "TÉLÉPHONE", "COURRIEL"]
    bad = cli("confidentialite", "--masquer", "x y", "--type", "plaque")
    assert bad.exit_code == 27 and "[E118]" in bad.stderr
    assert not list((register.workspace.exports_dir).glob("doleances-*"))  # --apercu exported nothing


def test_the_association_never_receives_what_was_masked(tmp_path, register):
    from mairie_cli.services.association import Association
    from mairie_cli.services.keys import CommuneKeys, set_recipients
    from mairie_cli.services.reception import receive
    from mairie_cli.storage.exports import ExportStore

    register.add(NewContribution(text=PRIVATE, author="Jean Dupont"))
    association, _ = Association.init(tmp_path / "asso", "01")
    with association:
        set_recipients(ExportStore(register.db), association.recipients()[0])
        association.trust("01001", CommuneKeys.of(register.workspace).public)
        result = export_bundle(register)
        receive(association, [f.path for f in result.files])
    with sqlite3.connect(tmp_path / "asso" / "association.db") as conn:
        stored = conn.execute("SELECT text, author FROM contributions").fetchall()
    assert stored == [("Je m'appelle [NOM], [ADRESSE], tél. [TÉLÉPHONE], [COURRIEL].", stored[0][1])]
    assert stored[0][1].startswith("Auteur-")
