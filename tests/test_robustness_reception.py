"""Hostile or broken files at the association: each ends applied, duplicate or quarantined with
its reason, the batch goes on, a local failure stops without judging the file, and nothing is
merged that a check refuses. Every case is built here, class by class."""

import errno
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mairie_cli.errors import DiskError, ExitCode
from mairie_cli.services.association.reception import Receipt, receive
from mairie_cli.services.association.synthesis import build_synthesis
from mairie_cli.services.association.workspace import Association
from testkit.bundles import Commune, held, jsonl_lines, open_bundle, resign


@pytest.fixture
def asso(tmp_path):
    association, _ = Association.init(tmp_path / "asso", "01", "AMR de l'Ain")
    with association:
        yield association


def town(tmp_path, asso, insee="01001", seed=0) -> Commune:
    made = Commune(tmp_path / insee, insee, asso.recipients(), seed)
    asso.trust(insee, made.public_key_file())
    return made


def plain_members(bundle: Path, asso: Association) -> dict[str, bytes]:
    """An honest bundle's ZIP members (full names), decrypted."""
    root, files = open_bundle(bundle, asso)
    return {f"{root}/{name}": data for name, data in files.items()}


def raw_zip(target: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(target, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def patched(path: Path, old: bytes, new: bytes) -> Path:
    """Replace bytes everywhere in a file (a name in the local and central headers)."""
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))
    return path


def flag_encrypted(path: Path) -> Path:
    """Set the « encrypted » bit of every member, in both headers (ZipCrypto without the crypto)."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) >= 0:
            data[found + offset] |= 0x1
            start = found + 4
    path.write_bytes(bytes(data))
    return path


def corrupt_data(path: Path) -> Path:
    """Damage the compressed bytes of the largest member, headers untouched."""
    with zipfile.ZipFile(path) as archive:
        member = max(archive.infolist(), key=lambda m: m.compress_size)
        data = bytearray(path.read_bytes())
        name_length = int.from_bytes(data[member.header_offset + 26 : member.header_offset + 28], "little")
        extra_length = int.from_bytes(data[member.header_offset + 28 : member.header_offset + 30], "little")
        start = member.header_offset + 30 + name_length + extra_length
    for offset in range(start + 10, start + min(member.compress_size - 4, 200)):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def hostile_archives(folder: Path, honest: dict[str, bytes]) -> dict[str, Path]:
    """One ZIP per class of broken or hostile archive, each built from an honest bag."""
    root = next(iter(honest)).split("/")[0]
    folder.mkdir()
    made = {
        "données compressées abîmées": corrupt_data(raw_zip(folder / "a-abime.zip", honest)),
        "membre chiffré (ZipCrypto)": flag_encrypted(raw_zip(folder / "b-chiffre.zip", honest)),
        "compression inconnue": raw_zip(folder / "c-bzip2.zip", honest, zipfile.ZIP_BZIP2),
        "nom qui n'est pas de l'UTF-8": patched(
            raw_zip(folder / "d-nom.zip", {**honest, f"{root}/data/é.txt": b"x"}), "é".encode(), b"\xff\xfe"
        ),
        "chemin trop long": raw_zip(folder / "e-long.zip", {**honest, f"{root}/data/{'x' * 300}.txt": b"x"}),
        "fichier et dossier du même nom": raw_zip(
            folder / "f-double.zip", {**honest, f"{root}/data/autre": b"x", f"{root}/data/autre/y": b"y"}
        ),
        "bombe d'exactement 1 Mio": raw_zip(
            folder / "g-bombe.zip", {**honest, f"{root}/data/contributions.jsonl": b"\0" * 1024**2}
        ),
        "bombe en petits morceaux": raw_zip(
            folder / "h-morceaux.zip",
            {**honest, **{f"{root}/data/z{n}.txt": b"\0" * 60_000 for n in range(400)}},
        ),
        "lien symbolique": _with_link(folder / "i-lien.zip", honest),
        "chemin qui sort du dossier": raw_zip(
            folder / "j-sortie.zip", {**honest, f"{root}/../../evil": b"x"}
        ),
    }
    return made


def _with_link(target: Path, members: dict[str, bytes]) -> Path:
    raw_zip(target, members)
    with zipfile.ZipFile(target, "a") as archive:
        info = zipfile.ZipInfo(f"{next(iter(members)).split('/')[0]}/data/lien")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return target


def test_every_hostile_archive_is_quarantined_and_the_batch_goes_on(tmp_path, asso):
    commune = town(tmp_path, asso)
    commune.add(3)
    [first] = commune.export()
    commune.add(2)
    [second] = commune.export()
    hostile = hostile_archives(tmp_path / "hostile", plain_members(first, asso))
    # Honest files after every hostile one: none of them may be skipped.
    files = [*hostile.values(), first, second]
    report = receive(asso, files)
    outcomes = {o.file: o for o in report.outcomes}
    for kind, path in hostile.items():
        outcome = outcomes[path.name]
        assert outcome.status == Receipt.QUARANTINED, (kind, outcome)
        assert outcome.code in ("E173", "E174"), (kind, outcome)
        assert outcome.message.startswith(f"« {path.name} »"), (kind, outcome.message)
    assert [o.status for o in report.outcomes[-2:]] == [Receipt.APPLIED, Receipt.APPLIED]
    assert held(asso.workspace.root) == commune.expected()
    assert len(asso.store.quarantined()) == len(hostile)
    # Nothing was extracted outside the workspace's own work folder, and nothing is left in it.
    assert not list((asso.workspace.root / ".reception").iterdir())
    assert not (tmp_path / "evil").exists()
    again = receive(asso, files)  # a re-run judges the same, nothing more
    assert [o.status for o in again.outcomes] == [Receipt.QUARANTINED] * len(hostile) + [
        Receipt.DUPLICATE
    ] * 2


def test_a_bomb_is_refused_before_it_fills_the_disk(tmp_path, asso, monkeypatch):
    """Sizes are checked before extracting and counted while extracting: a member that
    inflates beyond what the archive can honestly hold stops the extraction at once."""
    from mairie_cli.bundle import bag

    commune = town(tmp_path, asso)
    commune.add(1)
    [bundle] = commune.export()
    members = plain_members(bundle, asso)
    root = next(iter(members)).split("/")[0]
    bomb = raw_zip(tmp_path / "bombe.zip", {**members, f"{root}/data/pages/x.bin": b"\0" * (50 * 1024**2)})
    written = []
    real = bag._extract_member

    def counting(*args):
        written.append(real(*args))
        return written[-1]

    monkeypatch.setattr(bag, "_extract_member", counting)
    [outcome] = receive(asso, [bomb]).outcomes
    assert (outcome.status, outcome.code) == (Receipt.QUARANTINED, "E174")
    assert sum(written) < 1024**2  # refused from the headers: not a megabyte written


def test_file_names_from_mail_and_usb_are_made_safe(tmp_path, asso, cli_at):
    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()
    inbox = tmp_path / "courriel"
    inbox.mkdir()
    escape = inbox / "doleances-01001-000001\x1b]0;pirate\x07\x1b[2J.zip.age"
    shutil.copy(bundle, escape)
    undecodable = inbox / os.fsdecode(b"doleances-\xff\xfe-000001.zip.age")
    shutil.copy(bundle, undecodable)
    long_name = inbox / ("doleances-" + "x" * 225 + ".zip")
    raw_zip(long_name, {"x/bagit.txt": b"pas un sac"})
    result = cli_at(asso.workspace.root)("asso", "recevoir", str(inbox))
    assert result.exit_code == ExitCode.RECEPTION_INCOMPLETE, result.stderr
    for shown in (result.stdout, result.stderr):
        assert "\x1b" not in shown and "\x07" not in shown
    assert "appliqué" in result.stderr and "doublon" in result.stderr and "quarantaine" in result.stderr
    status = cli_at(asso.workspace.root)("asso", "etat")
    assert status.exit_code == 0
    assert "\x1b" not in status.stdout
    [kept] = asso.store.quarantined()
    assert len(Path(kept["stored_as"]).name) <= 120 and (asso.workspace.root / kept["stored_as"]).exists()


def test_a_full_disk_stops_the_reception_without_judging_the_file(tmp_path, asso, monkeypatch, cli_at):
    from mairie_cli.crypto import encryption

    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()

    def full(self, data):
        self.failure = OSError(errno.ENOSPC, "No space left on device")
        raise self.failure

    monkeypatch.setattr(encryption._Sink, "write", full)
    with pytest.raises(DiskError) as error:
        receive(asso, [bundle])
    assert "le disque est plein" in error.value.message
    assert "No space" not in error.value.message
    assert asso.store.quarantined() == [] and held(asso.workspace.root) == {}
    result = cli_at(asso.workspace.root)("asso", "recevoir", str(bundle))
    assert result.exit_code == ExitCode.STORAGE_FAILED
    assert "[E107]" in result.stderr and "le disque est plein" in result.stderr
    monkeypatch.undo()
    [outcome] = receive(asso, [bundle]).outcomes  # room again: the same file is simply applied
    assert outcome.status == Receipt.APPLIED
    assert receive(asso, [], retry_quarantine=True).outcomes == []


def test_a_full_disk_while_extracting_is_not_the_senders_fault(tmp_path, asso, monkeypatch):
    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()
    real_open = Path.open

    def no_room(self, mode="r", *args, **kwargs):
        if mode == "xb":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", no_room)
    with pytest.raises(DiskError):
        receive(asso, [bundle])
    monkeypatch.undo()
    assert asso.store.quarantined() == []


def test_decryption_happens_in_the_workspace_and_leftovers_are_cleared(tmp_path, asso, monkeypatch):
    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()
    leftover = asso.workspace.root / ".reception" / "mairie-verif-tue"
    leftover.mkdir(parents=True)
    (leftover / "paquet.zip").write_bytes(b"contenu dechiffre d'une reception interrompue")
    made = []
    real = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: made.append(kw.get("dir")) or real(**kw))
    receive(asso, [bundle])
    assert made and all(Path(d) == asso.workspace.root / ".reception" for d in made)
    assert not leftover.exists()


SIGNED_BUT_WRONG = {
    "date impossible": (b'"date":null', b'"date":"2019-13-45"'),
    "date absurde": (b'"date":null', b'"date":"1850-01-01"'),
    "date qui n'en est pas une": (b'"date":null', b'"date":"hier"'),
    "horodatage faux": (b'"created_at":"', b'"created_at":"x'),
    "page en texte": (b'"page":null', b'"page":"3"'),
    "page démesurée": (b'"page":null', b'"page":99999999'),
    "position démesurée": (b'"position":1', b'"position":1000000000000000'),
    "texte imbriqué": (b'"text":"', b'"text":{"a":"'),
    "auteur en liste": (b'"author":"', b'"author":["'),
    "identifiant qui n'est pas un UUID": (b'"uuid":"', b'"uuid":"zz'),
    "page scannée hors du dossier": (b'"scan":null', b'"scan":{"file":"../../etc/passwd","page":1}'),
}


@pytest.mark.parametrize("change", SIGNED_BUT_WRONG.values(), ids=SIGNED_BUT_WRONG.keys())
def test_a_trusted_commune_is_still_checked_field_by_field(tmp_path, asso, change):
    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()
    old, new = change

    def forge(lines: bytes) -> bytes:
        first, rest = lines.split(b"\n", 1)
        if old == b'"text":"':  # keep the JSON valid: close the object the change opens
            first = first.replace(b'"text":"', b'"text":{"a":"', 1).replace(
                b'","updated_at"', b'"},"updated_at"', 1
            )
        elif old == b'"author":"':
            first = first.replace(b'"author":"', b'"author":["', 1).replace(b'","cahier"', b'"],"cahier"', 1)
        else:
            first = first.replace(old, new, 1)
        return first + b"\n" + rest

    bad = resign(commune, bundle, tmp_path / "doleances-01001-000001.zip.age", asso, jsonl_lines(forge))
    [outcome] = receive(asso, [bad]).outcomes
    assert (outcome.status, outcome.code) == (Receipt.QUARANTINED, "E173"), outcome
    assert "contributions.jsonl, ligne 1" in outcome.message
    assert held(asso.workspace.root) == {}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda info: info.replace(b"Mairie-Part: 1/1", b"Mairie-Part: 3/2"), "partie au-delà"),
        (lambda info: info.replace(b"Mairie-Sequence: 1", b"Mairie-Sequence: -1"), "quel envoi"),
    ],
    ids=["partie au-delà du nombre de parties", "numéro négatif"],
)
def test_a_signed_header_out_of_range_is_refused(tmp_path, asso, change, expected):
    commune = town(tmp_path, asso)
    commune.add(1)
    [bundle] = commune.export()

    def forge(files):
        files["bag-info.txt"] = change(files["bag-info.txt"])
        return files

    bad = resign(commune, bundle, tmp_path / "forge.zip.age", asso, forge)
    [outcome] = receive(asso, [bad]).outcomes
    assert outcome.status == Receipt.QUARANTINED and outcome.code == "E173", outcome
    assert expected in outcome.message


def test_a_nested_state_summary_is_refused(tmp_path, asso):
    commune = town(tmp_path, asso)
    commune.add(1)
    [bundle] = commune.export()

    def forge(files):
        state = json.loads(files["data/etat.json"])
        state["contributions"] = {"beaucoup": [1, 2]}
        files["data/etat.json"] = json.dumps(state).encode()
        return files

    [outcome] = receive(asso, [resign(commune, bundle, tmp_path / "etat.zip.age", asso, forge)]).outcomes
    assert outcome.status == Receipt.QUARANTINED and "etat.json" in outcome.message


def test_control_characters_never_break_the_synthesis(tmp_path, asso):
    """A bell, an escape and a NUL in a signed text: received without them, and the workbook
    is written (one such text used to stop the synthesis of the whole department)."""
    commune = town(tmp_path, asso)
    commune.add(2)
    [bundle] = commune.export()
    forged = resign(
        commune, bundle, tmp_path / "controle.zip.age", asso,
        jsonl_lines(lambda d: d.replace(b'"text":"', b'"text":"Cloche\\u0007 \\u001b[31m nul\\u0000 ', 1)),
    )  # fmt: skip
    [outcome] = receive(asso, [forged]).outcomes
    assert outcome.status == Receipt.APPLIED, outcome
    with sqlite3.connect(asso.workspace.root / "association.db") as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM contributions")]
    assert any(t.startswith("Cloche [31m nul ") for t in texts)
    assert not any(c in t for t in texts for c in "\x00\x07\x1b")
    result = build_synthesis(asso)
    sheet = load_workbook(result.workbook, read_only=True)["Contributions"]
    assert any("Cloche" in str(row[8]) for row in sheet.iter_rows(values_only=True))


@pytest.mark.slow
def test_a_folder_of_100_files_with_10_hostile_ones(tmp_path, asso, cli_at):
    inbox = tmp_path / "recus-par-courriel"
    inbox.mkdir()
    communes = [town(tmp_path, asso, f"01{n:03d}", seed=n) for n in range(1, 31)]
    for commune in communes:
        for _ in range(3):
            commune.add(1)
            [bundle] = commune.export()
            shutil.copy(bundle, inbox / bundle.name)
    honest = plain_members(communes[0].files[0], asso)
    for number, path in enumerate(hostile_archives(tmp_path / "pieges", honest).values()):
        shutil.move(path, inbox / f"doleances-01{number:03d}-99999{number}.zip")
    assert len(list(inbox.iterdir())) == 100
    result = cli_at(asso.workspace.root)("asso", "recevoir", str(inbox), "--json")
    assert result.exit_code == ExitCode.RECEPTION_INCOMPLETE
    report = json.loads(result.stdout)
    assert (report["applied"], report["quarantined"], report["duplicates"]) == (90, 10, 0)
    assert "E199" not in result.stdout + result.stderr
    expected = {}
    for commune in communes:
        expected.update(commune.expected())
    assert held(asso.workspace.root) == expected
