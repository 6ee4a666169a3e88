"""The department's bundle for the national federation (issue « Échelon national »).

Real communes export real bundles, the association receives them, then exports its
department: the bundle must carry exactly what the communes signed (each record hashes to
its commune's digest), say where each comes from, chain and split like a commune's, and be
checked by the standard programs (age, unzip, minisign, sha256sum, bagit.py).
"""

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest

from mairie_cli.bundle.department import from_commune
from mairie_cli.bundle.records import record_digest
from mairie_cli.bundle.verify import check_bag, opened_bundle
from mairie_cli.errors import ExitCode, ExportFailed, KeyProblem
from mairie_cli.services.association.export import export_department
from mairie_cli.services.association.reception import receive
from mairie_cli.services.association.workspace import Association
from testkit.bundles import Commune

TOOLS = {name: shutil.which(name) for name in ("age", "minisign", "unzip", "sha256sum")}
BAGIT = Path(sys.executable).with_name("bagit.py")


@pytest.fixture
def national(tmp_path):
    """The federation's age identity: its file, and its public key."""
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "national.key"
    key.write_text(f"{identity}\n", encoding="utf-8")
    return key, str(identity.to_public())


@pytest.fixture
def department(tmp_path, national):
    """An association that received two communes' bundles, the federation's key configured."""
    association, _ = Association.init(tmp_path / "asso", "01", "AMR de l'Ain")
    communes = []
    for seed, insee in enumerate(("01001", "01002")):
        commune = Commune(tmp_path / insee, insee, association.recipients(), seed)
        association.trust(insee, commune.public_key_file())
        commune.add(5 + seed)
        receive(association, commune.export())
        communes.append(commune)
    association.set_national_recipients([national[1]])
    with association:
        yield association, communes


def records_of(path: Path, identity: Path, association: Association) -> tuple[list[dict], dict]:
    """The records of a department's part and its files beside them, checked by our verifier."""
    with opened_bundle(path, [pyrage.x25519.Identity.from_str(identity.read_text().strip())]) as (bag, _):
        verified = check_bag(bag, path.name, association.signing_key())
        assert verified.level == "departement" and verified.insee == "01"
        lines = bag.read("data/contributions.jsonl").decode().splitlines()
        beside = {name: json.loads(bag.read(f"data/{name}")) for name in ("communes.json", "cahiers.json")}
    return [json.loads(line) for line in lines], beside


def test_the_department_sends_what_its_communes_signed(department, national):
    association, communes = department
    result = export_department(association)
    assert result.sequence == 1 and result.contributions == 11 and result.communes == 2
    [part] = result.files
    assert part.name == "doleances-departement-01-000001.zip.age"
    records, beside = records_of(part.path, national[0], association)
    expected = {}
    for commune in communes:
        expected.update(commune.expected())
    sent = {(r["insee"], r["uuid"]): r for r in records}
    assert sent.keys() == expected.keys()
    for key, record in sent.items():
        # The commune's record, unchanged: it hashes to the digest the commune computed.
        assert record_digest(from_commune(record)) == expected[key][1]
        assert record["envoi"] == 1
    listed = {c["insee"]: c for c in beside["communes.json"]["communes"]}
    assert set(listed) == {"01001", "01002"}
    trusted = {k["insee"]: k["fingerprint"] for k in association.trusted_keys()}
    for commune in communes:
        entry = listed[commune.insee]
        assert [b["sequence"] for b in entry["bundles"]] == [1]
        assert [k["fingerprint"] for k in entry["keys"]] == [trusted[commune.insee]]
    assert beside["communes.json"]["coverage"]["heard"] == 2
    assert {c["insee"] for c in beside["cahiers.json"]} == {"01001", "01002"}


@pytest.mark.skipif(
    not all(TOOLS.values()), reason="age, unzip, minisign ou sha256sum absent (CI les installe)"
)
def test_standard_programs_verify_the_department_bundle(department, national, tmp_path):
    association, _ = department
    stick = tmp_path / "CLE_USB"
    stick.mkdir()
    result = export_department(association, destination=stick)
    [part] = result.files
    assert (stick / part.name).read_bytes() == part.path.read_bytes()
    pub = stick / "association-01.pub"
    assert pub.exists() and result.key_file == pub
    plain = tmp_path / "paquet.zip"
    subprocess.run([TOOLS["age"], "-d", "-i", str(national[0]), "-o", str(plain), str(part.path)], check=True)
    subprocess.run([TOOLS["unzip"], "-q", str(plain), "-d", str(tmp_path / "x")], check=True)
    [bag] = list((tmp_path / "x").iterdir())
    signed = subprocess.run(
        [TOOLS["minisign"], "-V", "-p", str(pub), "-m", "tagmanifest-sha256.txt"],
        cwd=bag, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Trusted comment: mairie departement=01 sequence=1 partie=1/1" in signed.stdout
    subprocess.run([TOOLS["sha256sum"], "-c", "--quiet", "manifest-sha256.txt"], cwd=bag, check=True)
    subprocess.run([TOOLS["sha256sum"], "-c", "--quiet", "tagmanifest-sha256.txt"], cwd=bag, check=True)
    if BAGIT.exists():
        subprocess.run([sys.executable, str(BAGIT), "--quiet", "--validate", str(bag)], check=True)
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "Mairie-Niveau: departement" in info and "Mairie-Departement: 01" in info
    assert "Mairie-Previous-Bundle-Digest: aucun" in info
    csv_text = (bag / "data/contributions.csv").read_text(encoding="utf-8-sig")
    assert csv_text.startswith("commune (INSEE);envoi de la commune;identifiant;version")


def test_exports_are_chained_and_send_only_what_changed(department, national):
    association, communes = department
    first = export_department(association)
    nothing = export_department(association)
    assert nothing.sequence is None and nothing.last_sequence == 1
    commune = communes[0]
    new = set(commune.add(2))
    receive(association, commune.export())
    second = export_department(association)
    assert second.sequence == 2 and second.contributions == 2 and second.communes == 1
    records, _ = records_of(second.files[0].path, national[0], association)
    assert {r["uuid"] for r in records} == new and {r["envoi"] for r in records} == {2}
    info = bag_info(second.files[0].path, national[0])
    assert f"Mairie-Previous-Bundle-Digest: {first.digest}" in info
    assert "Mairie-Export: modifications" in info
    everything = export_department(association, full=True)
    assert everything.sequence == 3 and everything.contributions == 13


def bag_info(path: Path, identity: Path) -> str:
    """The bag-info.txt of an encrypted part."""
    with opened_bundle(path, [pyrage.x25519.Identity.from_str(identity.read_text().strip())]) as (bag, _):
        return (bag.root / "bag-info.txt").read_text(encoding="utf-8")


def test_parts_stay_under_the_size_limit(tmp_path, national):
    association, _ = Association.init(tmp_path / "asso", "01")
    commune = Commune(tmp_path / "01001", "01001", association.recipients(), 3)
    association.trust("01001", commune.public_key_file())
    commune.add(300, words=60)
    receive(association, commune.export())
    association.set_national_recipients([national[1]])
    with association:
        result = export_department(association, max_size=64 * 1024)
        assert len(result.files) > 1
        assert all(f.size <= 64 * 1024 for f in result.files)
        seen = []
        for part in result.files:
            records, _ = records_of(part.path, national[0], association)
            seen += [r["uuid"] for r in records]
        assert len(seen) == len(set(seen)) == 300


def test_a_text_changed_in_the_database_stops_the_export(department, tmp_path):
    association, _ = department
    with sqlite3.connect(association.workspace.db_path) as conn:
        conn.execute(
            "UPDATE contributions SET text = text || ' (retouché)' "
            "WHERE uuid = (SELECT uuid FROM contributions LIMIT 1)"
        )
    with pytest.raises(ExportFailed, match="ne correspond plus à ce que la commune a signé"):
        export_department(association)
    assert association.workspace.exports_dir.exists()
    assert not [p for p in association.workspace.exports_dir.iterdir()]
    with sqlite3.connect(association.workspace.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


def test_commands(department, cli_at, national, tmp_path):
    association, _ = department
    cli = cli_at(association.workspace.root)
    bad = cli("asso", "config", "destinataire", "age1pasunecle")
    assert bad.exit_code == ExitCode.KEY_PROBLEM and "fédération nationale" in bad.stderr
    keys = cli("asso", "cle", "--json")
    shown = json.loads(keys.stdout)
    assert shown["signing_fingerprint"] == association.signing_key().fingerprint
    assert Path(shown["signing_file"]).name == "association-01.pub"
    done = cli("asso", "exporter", "--taille-max", "1M")
    assert done.exit_code == 0, done.output
    assert "Paquet du département n° 1 (11 contribution(s) de 2 commune(s))" in done.stderr
    assert done.stdout.strip().endswith("doleances-departement-01-000001.zip.age")
    again = cli("asso", "exporter", "--json")
    assert json.loads(again.stdout)["sequence"] is None
    association.store.set_setting("destinataires_national", "")
    association.db.conn.commit()
    refused = cli("asso", "exporter", "--tout")
    assert refused.exit_code == ExitCode.KEY_PROBLEM and "asso config destinataire" in refused.stderr
    assert "Traceback" not in bad.output + done.output + refused.output


def test_a_lost_signing_key_is_not_made_again_silently(department):
    association, _ = department
    association.signing_secret.unlink()
    with pytest.raises(KeyProblem, match="restaurez la dernière sauvegarde"):
        export_department(association)


def test_an_association_refuses_a_department_bundle(department):
    """Given by mistake to « asso recevoir », a department's bundle goes to the quarantine with
    the reason in plain words, and nothing of it is merged."""
    association, _ = department
    association.set_national_recipients(association.recipients()[:1])
    before = association.synthesis.count_live()
    [part] = export_department(association).files
    [outcome] = receive(association, [part.path]).outcomes
    assert outcome.status == "quarantaine" and "fédération nationale" in outcome.message
    assert association.synthesis.count_live() == before
