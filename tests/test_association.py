"""The association side: real commune workspaces export real bundles, the association receives them.

Whatever the order, duplicates, gaps and bad files, the association's database must hold
exactly the union of what the communes hold, contribution by contribution, and every bad
file must be in quarantine with its reason.
"""

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mairie_cli.bundle.records import canonical_json, record_digest
from mairie_cli.errors import ExitCode
from mairie_cli.services.association.reception import receive
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.commune.keys import CommuneKeys
from mairie_cli.services.commune.register import Register
from testkit.bundles import Commune, held


def union(*communes: Commune) -> dict:
    merged = {}
    for commune in communes:
        merged.update(commune.expected())
    return merged


def snapshot(association_root: Path) -> dict:
    """Everything a reception decides (not when it happened)."""
    with sqlite3.connect(association_root / "association.db") as conn:
        return {
            "contributions": sorted(conn.execute("SELECT * FROM contributions").fetchall()),
            "cahiers": sorted(conn.execute("SELECT * FROM cahiers").fetchall()),
            "sequences": sorted(
                conn.execute("SELECT insee, sequence, parts, previous_digest, state, digest FROM sequences")
            ),
            "parts": sorted(conn.execute("SELECT insee, sequence, part, tag_digest, archived_as FROM parts")),
            "states": sorted(conn.execute("SELECT insee, state_status, state_sequence FROM communes")),
        }


@pytest.fixture
def asso(tmp_path):
    association, created = Association.init(tmp_path / "asso", "01", "AMR de l'Ain")
    assert created
    with association:
        yield association


def commune(tmp_path, asso, insee="01001", seed=0, trust=True) -> Commune:
    made = Commune(tmp_path / insee, insee, asso.recipients(), seed)
    if trust:
        asso.trust(insee, made.public_key_file())
    return made


# -- the workspace and its keys -----------------------------------------------------------


def test_init_is_idempotent_and_keeps_its_key(tmp_path):
    first, created = Association.init(tmp_path / "a", "1")
    with first:
        key = first.identity_path.read_text()
        assert created and first.department == "01"
        assert oct(first.identity_path.stat().st_mode)[-3:] == "600"
    again, created = Association.init(tmp_path / "a", "01")
    with again:
        assert not created and again.identity_path.read_text() == key
    for folder in ("recus", "quarantaine", "syntheses", "cles"):
        assert (tmp_path / "a" / folder).is_dir()


def test_cli_init_errors(tmp_path, cli_at):
    cli = cli_at()
    bad = cli("asso", "init", "--departement", "20", "--dossier", str(tmp_path / "x"))
    assert bad.exit_code == ExitCode.INVALID_DEPARTMENT and "[E196]" in bad.stderr
    Register.init(tmp_path / "c", "01001")[0].close()
    conflict = cli("asso", "init", "--departement", "01", "--dossier", str(tmp_path / "c"))
    assert (
        conflict.exit_code == ExitCode.WORKSPACE_CONFLICT
        and "espace de travail d'une commune" in conflict.stderr
    )
    missing = cli("asso", "etat", "--dossier", str(tmp_path / "c"))
    assert (
        missing.exit_code == ExitCode.WORKSPACE_NOT_FOUND
        and "c'est l'espace de travail d'une commune" in missing.stderr
    )
    assert "Traceback" not in bad.output + conflict.output + missing.output


@pytest.mark.skipif(not shutil.which("age"), reason="programme age absent (CI l'installe)")
def test_backup_key_opens_bundles_with_the_age_program(tmp_path, asso, cli_at):
    safe = tmp_path / "coffre"
    safe.mkdir()
    cli = cli_at()
    inside = cli(
        "asso", "cle", "--secours", str(asso.workspace.root / "s.key"), "-d", str(asso.workspace.root)
    )
    assert inside.exit_code == ExitCode.KEY_PROBLEM
    result = cli(
        "asso", "cle", "--secours", str(safe / "secours.key"), "-d", str(asso.workspace.root), "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["recipients"]) == 2
    town = Commune(tmp_path / "01001", "01001", asso.recipients())
    # The commune loads the file the association gives it.
    loaded = cli_at(town.register.workspace.root)("config", "destinataire", "--fichier", data["file"])
    assert loaded.exit_code == 0, loaded.output
    town.add(2)
    [bundle] = town.export()
    plain = tmp_path / "ouvert.zip"
    subprocess.run(["age", "-d", "-i", str(safe / "secours.key"), "-o", str(plain), str(bundle)], check=True)
    assert zipfile.is_zipfile(plain)
    # Without its own key, the association opens it with the backup one.
    asso.trust("01001", town.public_key_file())
    asso.identity_path.rename(tmp_path / "perdue.key")
    report = receive(asso, [bundle], identities=[safe / "secours.key"])
    assert [o.status for o in report.outcomes] == ["appliqué"]


def test_trust_commands(tmp_path, asso, cli_at):
    town = commune(tmp_path, asso, "01002", trust=False)
    cli = cli_at(asso.workspace.root)
    added = cli("asso", "confiance", "ajouter", str(town.public_key_file()), "--commune", "01002")
    assert added.exit_code == 0, added.output
    key = CommuneKeys.of(town.register.workspace).public_key()
    assert key.fingerprint in added.stderr
    listed = json.loads(cli("asso", "confiance", "liste", "--json").stdout)
    assert [(k["insee"], k["key_id"]) for k in listed] == [("01002", key.key_id)]
    outside = cli("asso", "confiance", "ajouter", str(town.public_key_file()), "--commune", "02001")
    assert outside.exit_code == ExitCode.OUTSIDE_DEPARTMENT and "[E192]" in outside.stderr
    assert cli("asso", "confiance", "retirer", "01002").exit_code == 0
    assert json.loads(cli("asso", "confiance", "liste", "--json").stdout) == []
    assert cli("asso", "confiance", "retirer", "01002").exit_code == ExitCode.KEY_PROBLEM


# -- merging --------------------------------------------------------------------------------


def test_any_order_duplicates_and_parts_give_the_union(tmp_path, asso):
    a = commune(tmp_path, asso, "01001", seed=1)
    b = commune(tmp_path, asso, "01002", seed=2)
    c = commune(tmp_path, asso, "01003", seed=3)
    a.add(5)
    a.export()
    first = a.add(3)
    a.register.correct(first[0], text="Texte corrigé après le premier envoi.")
    a.register.delete(first[1])
    a.export()
    b.add(150, words=60)  # several parts under a 32K limit
    b.export(max_size=32 * 1024)
    b.register.delete(a_uuid(b))
    b.export()
    c.add(4)
    c.export(full=True)
    files = a.files + b.files + c.files
    assert len(b.files) > 3
    rng = random.Random(7)
    shuffled = files[:]
    rng.shuffle(shuffled)
    report = receive(asso, shuffled)
    assert {o.status for o in report.outcomes} == {"appliqué"}, [o.message for o in report.outcomes]
    assert report.missing == {} and report.mismatches == []
    assert held(asso.workspace.root) == union(a, b, c)
    before = snapshot(asso.workspace.root)
    assert {s[1] for s in before["states"]} == {"conforme"}
    # Everything again, then the folders themselves: duplicates only, nothing changes.
    again = receive(asso, [*files, a.mail])
    assert {o.status for o in again.outcomes} == {"doublon"}
    assert snapshot(asso.workspace.root) == before
    # A bundle re-encrypted (other bytes, same content) is a duplicate too.
    reencrypted = tmp_path / "autre-copie.zip.age"
    identity = pyrage.x25519.Identity.from_str(
        [line for line in asso.identity_path.read_text().splitlines() if line.startswith("AGE-")][0]
    )
    plain = pyrage.decrypt(a.files[0].read_bytes(), [identity])
    reencrypted.write_bytes(pyrage.encrypt(plain, [identity.to_public()]))
    assert [o.status for o in receive(asso, [reencrypted]).outcomes] == ["doublon"]
    assert snapshot(asso.workspace.root) == before
    # The bundles are archived under their digest.
    archived = sorted(p.name for p in (asso.workspace.root / "recus").rglob("*.age"))
    assert len(archived) == len(files) and all(len(name) == 64 + 8 for name in archived)


def a_uuid(town: Commune) -> str:
    with sqlite3.connect(town.register.workspace.db_path) as conn:
        return conn.execute("SELECT uuid FROM contributions WHERE deleted_at IS NULL LIMIT 1").fetchone()[0]


def test_gap_reported_until_the_missing_one_arrives(tmp_path, asso):
    town = commune(tmp_path, asso)
    for count in (2, 3, 1):
        town.add(count)
        town.export()
    one, two, three = town.files
    report = receive(asso, [three, one])
    assert report.missing == {"01001": ["n° 2"]}
    status = asso.status()["communes"][0]
    assert status["missing"] == ["n° 2"] and status["state"] == "en attente" and status["last_sequence"] == 3
    report = receive(asso, [two])
    assert report.missing == {}
    assert asso.status()["communes"][0]["state"] == "conforme"
    assert held(asso.workspace.root) == town.expected()


def test_missing_parts_are_named(tmp_path, asso):
    town = commune(tmp_path, asso)
    town.add(150, words=60)
    parts = town.export(max_size=32 * 1024)
    assert len(parts) >= 3
    report = receive(asso, parts[2:])
    assert report.missing == {"01001": [f"n° 1 (2 partie(s) sur {len(parts)})"]}
    receive(asso, parts[:2])
    assert asso.status()["communes"][0]["missing"] == []
    assert held(asso.workspace.root) == town.expected()


def test_full_export_after_a_gap_is_checked_at_once(tmp_path, asso):
    town = commune(tmp_path, asso)
    town.add(2)
    town.export()
    town.add(2)
    [full] = town.export(full=True)
    report = receive(asso, [full])
    assert report.missing == {"01001": ["n° 1"]}
    assert asso.status()["communes"][0]["state"] == "conforme"
    assert held(asso.workspace.root) == town.expected()


# -- bad bundles ----------------------------------------------------------------------------


def reseal(source: Path, target: Path, asso: Association, change) -> Path:
    """Decrypt a bundle, change its ZIP members with ``change(name, data)``, encrypt again."""
    identity = asso.identities()[0]
    plain = pyrage.decrypt(source.read_bytes(), [identity])
    with tempfile.TemporaryDirectory() as work:
        old_path = Path(work) / "old.zip"
        old_path.write_bytes(plain)
        new_path = Path(work) / "new.zip"
        with zipfile.ZipFile(old_path) as old, zipfile.ZipFile(new_path, "w") as new:
            for info in old.infolist():
                new.writestr(info.filename, change(info.filename, old.read(info)))
        target.write_bytes(pyrage.encrypt(new_path.read_bytes(), [identity.to_public()]))
    return target


def test_bad_bundles_go_to_quarantine_with_their_reason(tmp_path, asso, cli_at):
    good = commune(tmp_path, asso, "01001", seed=1)
    good.add(3)
    [first] = good.export()
    good.add(2)
    [second] = good.export()
    bad = tmp_path / "mauvais"
    bad.mkdir()
    # Edited after signing: one contribution's text changed inside the bag.
    edited = reseal(
        first, bad / "doleances-01001-000001-modifie.zip.age", asso,
        lambda n, d: d.replace(b"\xc3\xa9", b"e", 1) if n.endswith("contributions.jsonl") else d,
    )  # fmt: skip
    # Another workspace claiming to be 01001, with its own key (a forger, or a reinstalled PC).
    forger = Commune(tmp_path / "faux", "01001", asso.recipients(), seed=9)
    forger.add(2)
    [forged] = forger.export()
    # The same sequence number exported again with other content (a restored backup).
    restored = Commune(tmp_path / "01004", "01004", asso.recipients(), seed=4)
    asso.trust("01004", restored.public_key_file())
    restored.add(2)
    [original] = restored.export()
    with sqlite3.connect(restored.register.workspace.db_path) as conn:
        conn.execute("DELETE FROM export_state")
        conn.execute("DELETE FROM exports")
    restored.add(1)
    [other] = restored.export()
    # …and its next export, chained to that other n° 1, not to the one received.
    restored.add(1)
    [unchained] = restored.export()
    assert original.name.split("-", 3)[3] == other.name.split("-", 3)[3] == "doleances-01004-000001.zip.age"
    # A truncated file, a file for another association, a commune of another department.
    truncated = bad / "doleances-01001-000002-tronque.zip.age"
    truncated.write_bytes(second.read_bytes()[: second.stat().st_size // 2])
    stranger = pyrage.x25519.Identity.generate()
    elsewhere = Commune(tmp_path / "01005", "01005", [str(stranger.to_public())], seed=5)
    asso.trust("01005", elsewhere.public_key_file())
    elsewhere.add(1)
    [not_ours] = elsewhere.export()
    aisne = Commune(tmp_path / "02001", "02001", asso.recipients(), seed=6)
    aisne.add(1)
    [other_department] = aisne.export()

    report = receive(
        asso,
        [edited, forged, first, original, other, unchained, truncated, not_ours, other_department, second],
    )
    by_file = {o.file: o for o in report.outcomes}
    expected_codes = {
        edited.name: "E173", forged.name: "E191", other.name: "E193", unchained.name: "E193",
        truncated.name: "E172",
        not_ours.name: "E172", other_department.name: "E192",
    }  # fmt: skip
    for name, code in expected_codes.items():
        assert by_file[name].status == "quarantaine" and by_file[name].code == code, (name, by_file[name])
    assert "autre clé que celle reconnue" in by_file[forged.name].message
    assert "a déjà été reçu avec un autre contenu" in by_file[other.name].message
    assert "chaîne des empreintes rompue" in by_file[unchained.name].message
    assert "pas chiffré pour cette clé" in by_file[not_ours.name].message
    for name in (first.name, original.name, second.name):
        assert by_file[name].status == "appliqué", by_file[name]
    # Only the good ones are merged; each bad one is kept with its reason.
    assert held(asso.workspace.root) == union(good) | restored_first(restored, original, asso)
    quarantined = {q["file_name"]: q for q in asso.store.quarantined()}
    assert set(quarantined) == set(expected_codes)
    for name, row in quarantined.items():
        assert row["code"] == expected_codes[name] and row["reason"]
        assert (asso.workspace.root / row["stored_as"]).read_bytes()[:21] == b"age-encryption.org/v1"
    status = json.loads(cli_at(asso.workspace.root)("asso", "etat", "--json").stdout)
    assert len(status["quarantine"]) == len(expected_codes)
    assert not any(c["insee"] == "02001" for c in status["communes"])
    # Even once its key is trusted, the other workspace's first export clashes with the
    # commune's own n° 1: re-examined, it stays in quarantine, for that reason now.
    key_file = asso.workspace.root / quarantined[forged.name]["key_file"]
    asso.trust("01001", key_file)
    retried = {o.file: o for o in receive(asso, [], retry_quarantine=True).outcomes}
    assert len(retried) == len(expected_codes)
    assert (retried[forged.name].status, retried[forged.name].code) == ("quarantaine", "E193")
    assert {q["file_name"]: q["code"] for q in asso.store.quarantined()}[forged.name] == "E193"
    assert held(asso.workspace.root) == union(good) | restored_first(restored, original, asso)


def restored_first(town: Commune, bundle: Path, asso: Association) -> dict:
    """What the first (accepted) export of a commune held, read back from the bundle itself."""
    identity = asso.identities()[0]
    plain = pyrage.decrypt(bundle.read_bytes(), [identity])
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "b.zip"
        path.write_bytes(plain)
        with zipfile.ZipFile(path) as archive:
            [name] = [n for n in archive.namelist() if n.endswith("contributions.jsonl")]
            lines = archive.read(name).decode().splitlines()
    found = {}
    for line in lines:
        record = json.loads(line)
        assert canonical_json(record) == line
        found[(town.insee, record["uuid"])] = (
            record["version"],
            record_digest(record),
            record["text"],
            record["deleted_at"],
        )
    return found


def test_untrusted_commune_and_state_mismatch(tmp_path, asso, cli_at):
    town = commune(tmp_path, asso, "01003", trust=False)
    town.add(2)
    [bundle] = town.export()
    cli = cli_at(asso.workspace.root)
    result = cli("asso", "recevoir", str(bundle))
    assert result.exit_code == ExitCode.RECEPTION_INCOMPLETE and "[E195]" in result.stderr
    key = CommuneKeys.of(town.register.workspace).public_key()
    assert key.fingerprint in result.stderr and "mairie asso confiance ajouter" in result.stderr
    assert (
        cli("asso", "confiance", "ajouter", str(town.public_key_file()), "--commune", "01003").exit_code == 0
    )
    assert cli("asso", "recevoir", "--quarantaine").exit_code == 0
    assert list((asso.workspace.root / "quarantaine").iterdir()) == []
    # The commune's register loses an entry behind the tool's back (an old backup restored):
    # its next summary no longer matches what the association holds.
    lost = a_uuid(town)
    with sqlite3.connect(town.register.workspace.db_path) as conn:
        conn.execute("DELETE FROM export_state WHERE uuid = ?", [lost])
        conn.execute("DELETE FROM contributions WHERE uuid = ?", [lost])
    town.add(1)
    [later] = town.export()
    result = cli("asso", "recevoir", str(later))
    assert result.exit_code == ExitCode.STATE_MISMATCH and "[E194]" in result.stderr
    status = json.loads(cli("asso", "etat", "--json").stdout)
    assert status["communes"][0]["state"] == "différent"


def test_commune_list_and_silent_communes(tmp_path, asso, cli_at):
    listing = tmp_path / "communes.csv"
    listing.write_text(
        "TYPECOM;COM;REG;DEP;LIBELLE;Population municipale\n"
        "COM;01001;84;01;L'Abergement-Clémenciat;859\n"
        "COM;01002;84;01;L'Abergement-de-Varey;267\n"
        "COMD;01015;84;01;Arbignieu;\n"
        "COM;02001;32;02;Abbécourt;500\n"
        "COM;1004;84;01;Ambérieu-en-Bugey;14 514\n",
        encoding="utf-8",
    )
    cli = cli_at(asso.workspace.root)
    loaded = cli("asso", "communes", str(listing))
    assert loaded.exit_code == 0, loaded.output
    assert "3 commune(s)" in loaded.stderr and "1 ligne(s) d'autres départements" in loaded.stderr
    town = commune(tmp_path, asso, "01001")
    town.add(1)
    receive(asso, town.export())
    status = json.loads(cli("asso", "etat", "--json").stdout)
    assert [c["insee"] for c in status["communes"]] == ["01001"]
    assert {s["insee"]: s["population"] for s in status["silent"]} == {"01002": 267, "01004": 14514}
    table = cli("asso", "etat")
    assert "Sans nouvelles : 01002 L'Abergement-de-Varey" in table.stdout


def test_communes_merged_since_2019_count_for_their_commune_today(tmp_path, asso, cli_at):
    # The INSEE list names each commune's delegated communes (the communes merged into it) with
    # their old code; the « mouvements » file gives old -> new codes, merges after merges.
    listing = tmp_path / "v_commune_2024.csv"
    listing.write_text(
        "TYPECOM,COM,REG,DEP,LIBELLE,COMPARENT\n"
        "COM,01001,84,01,L'Abergement-Clémenciat,\n"
        "COM,01002,84,01,L'Abergement-de-Varey,\n"
        "COMD,01015,84,01,Arbignieu,01002\n"
        "COMD,01002,84,01,L'Abergement-de-Varey,01002\n",
        encoding="utf-8",
    )
    cli = cli_at(asso.workspace.root)
    loaded = cli("asso", "communes", str(listing))
    assert loaded.exit_code == 0, loaded.output
    assert "2 commune(s)" in loaded.stderr and "1 ancien(s) code(s)" in loaded.stderr
    town = commune(tmp_path, asso, "01015")  # reinstalled under its 2019 code
    town.add(2)
    receive(asso, town.export())
    status = json.loads(cli("asso", "etat", "--json").stdout)
    assert [(c["insee"], c["now_part_of"]) for c in status["communes"]] == [("01015", "01002")]
    assert [s["insee"] for s in status["silent"]] == ["01001"]  # 01002 has been heard, through 01015
    moves = tmp_path / "v_mvt_commune_2024.csv"
    moves.write_text(
        "MOD,DATE_EFF,TYPECOM_AV,COM_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,LIBELLE_AP\n"
        "32,2019-01-01,COM,01015,Arbignieu,COM,01002,L'Abergement-de-Varey\n"
        "32,2022-01-01,COM,01002,L'Abergement-de-Varey,COM,01001,L'Abergement\n"
        "32,2022-01-01,COM,01001,L'Abergement,COM,01001,L'Abergement\n"
        "32,2022-01-01,COM,02010,Ailleurs,COM,02011,Ailleurs\n",
        encoding="utf-8",
    )
    loaded = cli("asso", "communes", str(moves))
    assert loaded.exit_code == 0 and "2 ancien(s) code(s)" in loaded.stderr, loaded.output
    assert asso.store.successors() == {"01015": "01001", "01002": "01001"}  # merged twice
    status = json.loads(cli("asso", "etat", "--json").stdout)
    assert status["silent"] == []


# -- interruption and order ------------------------------------------------------------------


@pytest.mark.slow
def test_reception_killed_midway_then_rerun(tmp_path, asso):
    towns = [commune(tmp_path, asso, f"010{n:02d}", seed=n) for n in range(10, 16)]
    for town in towns:
        for _ in range(4):
            town.add(3)
            town.export()
    files = [f for town in towns for f in town.files]
    twin = tmp_path / "asso-jumelle"
    shutil.copytree(asso.workspace.root, twin)
    env = {**os.environ, "MAIRIE_DOSSIER": str(asso.workspace.root)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mairie_cli", "asso", "recevoir", *map(str, files)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    database = asso.workspace.root / "association.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        with sqlite3.connect(database, timeout=10) as conn:
            if conn.execute("SELECT count(*) FROM parts").fetchone()[0] >= 5:
                break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(database, timeout=10) as conn:
        interrupted_at = conn.execute("SELECT count(*) FROM parts").fetchone()[0]
    assert interrupted_at < len(files), "the reception ended before it could be interrupted"
    rerun = subprocess.run(
        [sys.executable, "-m", "mairie_cli", "asso", "recevoir", *map(str, files)],
        env=env,
        capture_output=True,
    )
    assert rerun.returncode == 0, rerun.stderr.decode()
    with Association.open(twin) as uninterrupted:
        receive(uninterrupted, files)
    assert snapshot(asso.workspace.root) == snapshot(twin)
    assert held(twin) == union(*towns)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Bundles of three communes (gaps, corrections, deletions, parts) and an empty association."""
    root = tmp_path_factory.mktemp("fusion")
    template, _ = Association.init(root / "asso", "01")
    towns = []
    with template:
        for n, insee in enumerate(("01021", "01022", "01023")):
            town = Commune(root / insee, insee, template.recipients(), seed=n)
            template.trust(insee, town.public_key_file())
            uuids = town.add(3)
            town.export()
            town.register.correct(uuids[0], text="Version corrigée.")
            town.register.delete(uuids[1])
            town.add(2)
            town.export()
            if n == 0:
                town.add(80, words=60)
                town.export(max_size=32 * 1024)
            town.register.correct(uuids[0], text="Deuxième correction.")
            town.export()
            towns.append(town)
    files = [f for town in towns for f in town.files]
    return root / "asso", files, union(*towns)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_merge_is_independent_of_order_and_duplication(bundles, data):
    template, files, expected = bundles
    chosen = data.draw(st.permutations(files))
    repeats = data.draw(st.lists(st.sampled_from(files), max_size=6))
    order = list(chosen)
    for extra in repeats:
        order.insert(data.draw(st.integers(0, len(order))), extra)
    with tempfile.TemporaryDirectory() as work:
        target = Path(work) / "asso"
        shutil.copytree(template, target)
        with Association.open(target) as association:
            report = receive(association, order)
        assert report.count("appliqué") == len(files)
        assert report.count("doublon") == len(repeats)
        assert held(target) == expected
        assert {s[1] for s in snapshot(target)["states"]} == {"conforme"}


def resign_with_records(town: Commune, bundle: Path, target: Path, asso: Association, change) -> Path:
    """Rewrite a bundle's contributions.jsonl, fix both manifests and sign again with the
    commune's own key: only the record checks can catch what a key holder signs."""
    import hashlib

    from mairie_cli.crypto import signing

    identity = asso.identities()[0]
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "b.zip"
        source.write_bytes(pyrage.decrypt(bundle.read_bytes(), [identity]))
        with zipfile.ZipFile(source) as old:
            files = {info.filename: old.read(info) for info in old.infolist()}
        [root] = {name.split("/")[0] for name in files}
        jsonl = f"{root}/data/contributions.jsonl"
        files[jsonl] = change(files[jsonl])
        payload = {n[len(root) + 1 :]: d for n, d in files.items() if n.startswith(f"{root}/data/")}
        files[f"{root}/manifest-sha256.txt"] = "".join(
            f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(payload.items())
        ).encode()
        oxum = f"{sum(len(d) for d in payload.values())}.{len(payload)}"
        info = files[f"{root}/bag-info.txt"].decode()
        files[f"{root}/bag-info.txt"] = "".join(
            f"Payload-Oxum: {oxum}\n" if line.startswith("Payload-Oxum") else line + "\n"
            for line in info.splitlines()
        ).encode()
        tags = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "cle-commune.pub")
        tagmanifest = "".join(
            f"{hashlib.sha256(files[f'{root}/{n}']).hexdigest()}  {n}\n" for n in tags
        ).encode()
        files[f"{root}/tagmanifest-sha256.txt"] = tagmanifest
        secret = CommuneKeys.of(town.register.workspace).secret
        comment = f"mairie commune={town.insee} sequence=1 partie=1/1"
        files[f"{root}/tagmanifest-sha256.txt.minisig"] = signing.sign(secret, tagmanifest, comment)
        rebuilt = Path(work) / "n.zip"
        with zipfile.ZipFile(rebuilt, "w") as new:
            for name, data in files.items():
                new.writestr(name, data)
        target.write_bytes(pyrage.encrypt(rebuilt.read_bytes(), [identity.to_public()]))
    return target


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda d: d.replace(b'"nature":"doleance"', b'"nature":"petition"', 1),
            "nature ou une source inconnue",
        ),
        (lambda d: d.replace(b'"version":1', b'"version":"1"', 1), "« version » invalide"),
        (lambda d: d.replace(b'{"author"', b'{ "author"', 1), "forme canonique"),
        (lambda d: d + b"pas du JSON\n", "est illisible"),
    ],
)
def test_signed_but_malformed_records_are_refused(tmp_path, asso, change, reason):
    town = commune(tmp_path, asso)
    town.add(2)
    [bundle] = town.export()
    bad = resign_with_records(town, bundle, tmp_path / "doleances-01001-000001.zip.age", asso, change)
    [outcome] = receive(asso, [bad]).outcomes
    assert (outcome.status, outcome.code) == ("quarantaine", "E173"), outcome
    assert reason in outcome.message
    assert held(asso.workspace.root) == {}
    [good] = receive(asso, [bundle]).outcomes
    assert good.status == "appliqué"
