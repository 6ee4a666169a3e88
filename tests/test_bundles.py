"""Signed and encrypted bundles: export, verification, and the standard tools that must agree."""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pyrage
import pytest

from mairie_cli.bundle import seal as seal_module
from mairie_cli.bundle.verify import verify_file
from mairie_cli.errors import (
    BundleInvalid,
    CopyMismatch,
    DecryptionFailed,
    ExitCode,
    KeyProblem,
    SignatureInvalid,
    UnsafeArchive,
)
from mairie_cli.models import NewContribution
from mairie_cli.services.commune.export import export_bundle, parse_size
from mairie_cli.services.commune.keys import CommuneKeys, set_recipients
from mairie_cli.services.commune.register import Register
from mairie_cli.storage.commune.exports import ExportStore

TOOLS = {name: shutil.which(name) for name in ("age", "minisign", "unzip", "sha256sum")}
BAGIT = Path(sys.executable).with_name("bagit.py")


def need(*names):
    missing = [n for n in names if not TOOLS.get(n)]
    return pytest.mark.skipif(
        bool(missing), reason=f"programme absent : {', '.join(missing)} (CI l'installe)"
    )


@pytest.fixture
def association(tmp_path):
    """An association's age identity: the secret key file and its public recipient."""
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "asso.key"
    key.write_text(f"# clé de test\n{identity}\n", encoding="utf-8")
    return key, str(identity.to_public()), identity


@pytest.fixture
def filled(register):
    register.add(NewContribution(text="Rouvrir la poste.", author="Jean Dupont"))
    register.add(NewContribution(text="=SOMME(A1:A3) n'est pas une formule", author="Marie Curie"))
    register.add(NewContribution(text="Plus de médecins.\nEt vite.", author="jean  DUPONT"))
    return register


def public_key(register):
    return CommuneKeys.of(register.workspace).public_key()


def unzip_bag(zip_path: Path, target: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)
    [bag] = list(target.iterdir())
    return bag


def test_init_creates_private_keys(register):
    keys = CommuneKeys.of(register.workspace)
    assert stat.S_IMODE(keys.secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.pseudonyms.stat().st_mode) == 0o600
    public = keys.public_key()
    assert len(public.key_id) == 16 and len(public.fingerprint) == 19
    assert keys.public.read_text(encoding="utf-8").startswith(
        "untrusted comment: clé publique de la commune 01001\nRW"
    )
    # Running init again keeps the same key.
    Register.init(register.workspace.root, "01001")[0].close()
    assert keys.public_key() == public


def test_cle_command_writes_the_public_file(cli, folder):
    result = cli("cle", "--json")
    data = json.loads(result.stdout)
    assert Path(data["file"]) == folder / "exports" / "commune-01001.pub"
    assert Path(data["file"]).read_text(encoding="utf-8").splitlines()[1] == data["public_key"]
    human = cli("cle")
    assert f"Empreinte à lire au téléphone : {data['fingerprint']}" in human.stdout


def test_config_destinataire(cli, tmp_path, association):
    _, recipient, _ = association
    bad = cli("config", "destinataire", "age1pasvalide")
    assert bad.exit_code == ExitCode.KEY_PROBLEM
    assert "n'est pas une clé de chiffrement age valide" in bad.stderr
    assert cli("config", "destinataire", recipient).exit_code == 0
    assert json.loads(cli("config", "voir", "--json").stdout)["destinataire"] == recipient
    second = str(pyrage.x25519.Identity.generate().to_public())
    keys_file = tmp_path / "cles-asso.txt"
    keys_file.write_text(f"# association\n{recipient}\n{second}\n", encoding="utf-8")
    assert cli("config", "destinataire", "--fichier", str(keys_file)).exit_code == 0
    assert json.loads(cli("config", "voir", "--json").stdout)["destinataire_secours"] == second


def test_export_needs_a_recipient_unless_asked(filled):
    with pytest.raises(KeyProblem) as error:
        export_bundle(filled)
    assert "mairie config destinataire" in error.value.message
    result = export_bundle(filled, encrypt=False)
    assert [f.name for f in result.files] == ["doleances-01001-000001.zip"]
    verified = verify_file(result.files[0].path, public_key=public_key(filled))
    assert (verified.sequence, verified.contributions, verified.insee) == (1, 3, "01001")


def test_content_hides_authors_and_neutralises_formulas(filled, tmp_path):
    result = export_bundle(filled, encrypt=False)
    bag = unzip_bag(result.files[0].path, tmp_path / "x")
    everything = b"".join(p.read_bytes() for p in bag.rglob("*") if p.is_file())
    assert b"Dupont" not in everything and b"DUPONT" not in everything and b"Curie" not in everything
    records = [
        json.loads(line)
        for line in (bag / "data/contributions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert records[0]["author"] == records[2]["author"] != records[1]["author"]
    assert records[0]["author"].startswith("Auteur-")
    csv_text = (bag / "data/contributions.csv").read_bytes()
    assert csv_text.startswith(b"\xef\xbb\xbfidentifiant;version;cahier")
    assert "'=SOMME(A1:A3)" in csv_text.decode("utf-8-sig")
    assert "doléance" in csv_text.decode("utf-8-sig")


@need("age", "unzip", "minisign", "sha256sum")
def test_standard_tools_verify_an_encrypted_bundle(filled, tmp_path, association):
    key, recipient, _ = association
    set_recipients(filled, recipient)
    [part] = export_bundle(filled).files
    assert part.name == "doleances-01001-000001.zip.age"
    plain = tmp_path / "paquet.zip"
    subprocess.run([TOOLS["age"], "-d", "-i", str(key), "-o", str(plain), str(part.path)], check=True)
    subprocess.run([TOOLS["unzip"], "-q", str(plain), "-d", str(tmp_path / "x")], check=True)
    [bag] = list((tmp_path / "x").iterdir())
    pub = CommuneKeys.of(filled.workspace).public
    signed = subprocess.run(
        [TOOLS["minisign"], "-V", "-p", str(pub), "-m", "tagmanifest-sha256.txt"],
        cwd=bag, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "Trusted comment: mairie commune=01001 sequence=1 partie=1/1" in signed.stdout
    subprocess.run([TOOLS["sha256sum"], "-c", "--quiet", "manifest-sha256.txt"], cwd=bag, check=True)
    subprocess.run([TOOLS["sha256sum"], "-c", "--quiet", "tagmanifest-sha256.txt"], cwd=bag, check=True)
    if BAGIT.exists():
        subprocess.run([sys.executable, str(BAGIT), "--quiet", "--validate", str(bag)], check=True)


@need("minisign")
def test_a_bag_signed_by_the_minisign_program_verifies(filled, tmp_path):
    """Re-sign our bag with a key made by minisign itself: mairie verifier accepts it."""
    bag = unzip_bag(export_bundle(filled, encrypt=False).files[0].path, tmp_path / "x")
    subprocess.run(
        [TOOLS["minisign"], "-G", "-W", "-p", str(tmp_path / "m.pub"), "-s", str(tmp_path / "m.key")],
        check=True, capture_output=True,
    )  # fmt: skip
    from mairie_cli.crypto.signing import read_public_key

    other = read_public_key(tmp_path / "m.pub")
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    old_id = info.split("Mairie-Key-Id: ")[1].split("\n")[0]
    (bag / "bag-info.txt").write_text(info.replace(old_id, other.key_id), encoding="utf-8")
    lines = []
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt"):
        lines.append(f"{hashlib.sha256((bag / name).read_bytes()).hexdigest()}  {name}\n")
    (bag / "tagmanifest-sha256.txt").write_text("".join(lines), encoding="utf-8")
    (bag / "tagmanifest-sha256.txt.minisig").unlink()
    subprocess.run(
        [TOOLS["minisign"], "-S", "-s", str(tmp_path / "m.key"), "-m", "tagmanifest-sha256.txt",
         "-t", "mairie commune=01001 sequence=1 partie=1/1"],
        cwd=bag, check=True, capture_output=True,
    )  # fmt: skip
    rezipped = tmp_path / "resigne.zip"
    with zipfile.ZipFile(rezipped, "w") as archive:
        for path in sorted(bag.rglob("*")):
            archive.write(path, path.relative_to(bag.parent).as_posix())
    verified = verify_file(rezipped, public_key=other)
    assert verified.key_id == other.key_id
    with pytest.raises(SignatureInvalid):
        verify_file(rezipped, public_key=public_key(filled))


def test_incremental_exports_tombstones_and_chain(filled, tmp_path):
    first = export_bundle(filled, encrypt=False)
    assert export_bundle(filled, encrypt=False).sequence is None  # nothing new
    one = next(filled.contributions())
    filled.correct(one.uuid, text="Rouvrir le bureau de poste.")
    gone = list(filled.contributions())[1]
    filled.delete(gone.uuid)
    filled.add(NewContribution(text="Une nouvelle."))
    second = export_bundle(filled, encrypt=False)
    assert (second.sequence, second.contributions, second.tombstones) == (2, 2, 1)
    bag = unzip_bag(second.files[0].path, tmp_path / "x")
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert f"Mairie-Previous-Bundle-Digest: {first.digest}" in info
    records = [
        json.loads(line)
        for line in (bag / "data/contributions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    tomb = next(r for r in records if r["uuid"] == gone.uuid)
    assert tomb["text"] is None and tomb["deleted_at"] is not None and tomb["version"] == 2
    state = json.loads((bag / "data/etat.json").read_text(encoding="utf-8"))
    assert (state["contributions"], state["tombstones"]) == (3, 1)
    full = export_bundle(filled, encrypt=False, full=True)
    assert (full.sequence, full.contributions, full.tombstones) == (3, 3, 1)
    verified = verify_file(full.files[0].path, public_key=public_key(filled))
    assert verified.full and verified.state == state  # recomputed from the records and equal


def test_parts_stay_under_the_limit_and_verify_alone(register):
    for i in range(400):
        register.add(NewContribution(text=f"Contribution {i} : " + "les services publics ferment " * 12))
    result = export_bundle(register, encrypt=False, max_size=parse_size("64K"))
    assert len(result.files) > 2
    names = [f.name for f in result.files]
    assert names[0] == f"doleances-01001-000001-1de{len(names)}.zip"
    total = 0
    for exported in result.files:
        assert exported.size <= 64 * 1024
        verified = verify_file(exported.path, public_key=public_key(register))
        assert (verified.part, verified.parts) == (exported.part, len(names))
        total += verified.contributions
    assert total == 400


def test_one_contribution_larger_than_the_limit(register):
    register.add(NewContribution(text="x" * 80_000))
    from mairie_cli.errors import PartTooLarge

    with pytest.raises(PartTooLarge) as error:
        export_bundle(register, encrypt=False, max_size=parse_size("40K"))
    assert "dépasse à elle seule la taille maximale" in error.value.message


@pytest.mark.parametrize(("text", "size"), [("10M", 10 * 1024**2), ("500K", 512000), ("1,5 Mo", 1572864)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["dix", "5G", "1K"])
def test_parse_size_refused(text):
    from mairie_cli.errors import ExportFailed

    with pytest.raises(ExportFailed):
        parse_size(text)


def test_usb_copy_is_read_back(filled, tmp_path, monkeypatch):
    stick = tmp_path / "CLE_USB"
    stick.mkdir()
    result = export_bundle(filled, encrypt=False, destination=stick)
    copy = stick / result.files[0].name
    assert copy.read_bytes() == result.files[0].path.read_bytes()
    assert not [p for p in stick.iterdir() if p.name.startswith(".")]

    def broken_copy(source, target):  # a stick that corrupts what it receives
        target.write_bytes(flip(source.read_bytes()))

    filled.add(NewContribution(text="Encore une."))
    monkeypatch.setattr(
        seal_module,
        "copy_durably",
        lambda s, t: broken_copy(s, t) if t.parent == stick else shutil.copy(s, t),
    )
    with pytest.raises(CopyMismatch):
        export_bundle(filled, encrypt=False, destination=stick)
    # The failed export was not recorded: the next one reuses its number.
    monkeypatch.undo()
    assert export_bundle(filled, encrypt=False).sequence == 2


def test_interrupted_export_neither_skips_nor_repeats(filled, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ExportStore, "record_export", crash)
    with pytest.raises(KeyboardInterrupt):
        export_bundle(filled, encrypt=False)
    monkeypatch.undo()
    exports = filled.workspace.exports_dir
    assert not [p for p in exports.iterdir() if p.name.startswith(".")]  # no temporary left
    (exports / ".export-tue").mkdir()  # what a killed process leaves: cleared next time
    again = export_bundle(filled, encrypt=False)
    assert again.sequence == 1
    assert not (exports / ".export-tue").exists()
    assert export_bundle(filled, encrypt=False).sequence is None


# -- bad bundles ---------------------------------------------------------------------------


@pytest.fixture
def plain_bundle(filled):
    return export_bundle(filled, encrypt=False).files[0].path


def rewrite_zip(source: Path, target: Path, change):
    """Copy a ZIP, letting ``change(name, data)`` return new bytes (or None to drop)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def flip(data: bytes) -> bytes:
    return data[:-2] + bytes([data[-2] ^ 1]) + data[-1:]


@pytest.mark.parametrize(
    ("member", "fragment"),
    [
        ("data/contributions.jsonl", "a été modifié (somme de contrôle fausse)"),
        ("manifest-sha256.txt", "manifest-sha256.txt"),
        ("bag-info.txt", "« bag-info.txt » a été modifié après la signature"),
        ("tagmanifest-sha256.txt.minisig", "signature"),
    ],
)
def test_one_byte_changed_is_caught(filled, plain_bundle, tmp_path, member, fragment):
    bad = rewrite_zip(
        plain_bundle, tmp_path / "bad.zip", lambda n, d: flip(d) if n.endswith("/" + member) else d
    )
    with pytest.raises((BundleInvalid, SignatureInvalid)) as error:
        verify_file(bad, public_key=public_key(filled))
    assert fragment in error.value.message


def test_tagmanifest_changed_breaks_the_signature(filled, plain_bundle, tmp_path):
    bad = rewrite_zip(
        plain_bundle,
        tmp_path / "bad.zip",
        lambda n, d: d + b"\n" if n.endswith("/tagmanifest-sha256.txt") else d,
    )
    with pytest.raises(SignatureInvalid) as error:
        verify_file(bad, public_key=public_key(filled))
    assert "la signature ne correspond pas au contenu" in error.value.message


def test_signed_by_another_key(filled, plain_bundle, tmp_path):
    other, _ = Register.init(tmp_path / "autre", "01002")
    with other, pytest.raises(SignatureInvalid) as error:
        verify_file(plain_bundle, public_key=public_key(other))
    assert "signé par une autre clé" in error.value.message


def test_truncated_and_foreign_files(filled, plain_bundle, tmp_path):
    cut = tmp_path / "coupe.zip"
    cut.write_bytes(plain_bundle.read_bytes()[:300])
    with pytest.raises(BundleInvalid):
        verify_file(cut, public_key=public_key(filled))
    text = tmp_path / "lettre.zip"
    text.write_text("Bonjour", encoding="utf-8")
    with pytest.raises(BundleInvalid) as error:
        verify_file(text, public_key=public_key(filled))
    assert "n'est pas une archive ZIP" in error.value.message


def test_encrypted_to_another_recipient_leaves_nothing(filled, tmp_path, association, monkeypatch):
    _, recipient, _ = association
    set_recipients(filled, recipient)
    part = export_bundle(filled).files[0].path
    stranger = pyrage.x25519.Identity.generate()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(DecryptionFailed) as error:
        verify_file(part, public_key=public_key(filled), identities=[stranger])
    assert "pas chiffré pour cette clé" in error.value.message
    assert list((tmp_path / "tmp").iterdir()) == []
    truncated = tmp_path / "coupe.zip.age"
    truncated.write_bytes(part.read_bytes()[:-40])
    _, _, identity = association
    with pytest.raises(DecryptionFailed):
        verify_file(truncated, public_key=public_key(filled), identities=[identity])
    assert list((tmp_path / "tmp").iterdir()) == []
    ok = verify_file(part, public_key=public_key(filled), identities=[identity])
    assert ok.encrypted and ok.contributions == 3


def test_encrypted_bundle_checked_against_the_ledger(filled, association, tmp_path):
    _, recipient, _ = association
    set_recipients(filled, recipient)
    part = export_bundle(filled).files[0].path
    result = verify_file(part, public_key=None, known_exports=filled.exports.exports())
    assert not result.checked_content and "identique au fichier exporté" in result.note
    changed = tmp_path / part.name
    changed.write_bytes(flip(part.read_bytes()))
    with pytest.raises(KeyProblem):
        verify_file(changed, public_key=None, known_exports=filled.exports.exports())


@pytest.mark.parametrize(
    "evil",
    ["../evil.txt", "/etc/evil.txt", "doleances/../../evil.txt", "C:/evil.txt", "doleances\\..\\evil.txt"],
)
def test_zip_with_escaping_paths_is_refused(filled, tmp_path, evil):
    bad = tmp_path / "piege.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("doleances/bagit.txt", "BagIt-Version: 1.0\n")
        archive.writestr(evil, "pwned")
    with pytest.raises(UnsafeArchive) as error:
        verify_file(bad, public_key=public_key(filled))
    assert "chemin dangereux" in error.value.message
    assert not (tmp_path / "evil.txt").exists()


def test_zip_bomb_is_refused(filled, tmp_path):
    bomb = tmp_path / "bombe.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doleances/data/zeros.bin", b"\x00" * (50 * 1024**2))
    with pytest.raises(UnsafeArchive) as error:
        verify_file(bomb, public_key=public_key(filled))
    assert "bombe ZIP" in error.value.message


def resigned(
    register, source: Path, target: Path, change, comment="mairie commune=01001 sequence=1 partie=1/1"
) -> Path:
    """Apply ``change`` to the manifest, then fix the tag manifest and re-sign with the
    commune's own key: what a forger holding the key could do, so only the manifest checks
    themselves can catch it."""
    from mairie_cli.crypto import signing

    with zipfile.ZipFile(source) as old:
        files = {info.filename: old.read(info) for info in old.infolist()}
    [root] = {name.split("/")[0] for name in files}
    files[f"{root}/manifest-sha256.txt"] = change(files[f"{root}/manifest-sha256.txt"])
    lines = [
        f"{hashlib.sha256(files[f'{root}/{name}']).hexdigest()}  {name}\n"
        for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")
    ]
    tagmanifest = "".join(lines).encode()
    files[f"{root}/tagmanifest-sha256.txt"] = tagmanifest
    secret = CommuneKeys.of(register.workspace).secret
    files[f"{root}/tagmanifest-sha256.txt.minisig"] = signing.sign(secret, tagmanifest, comment)
    with zipfile.ZipFile(target, "w") as new:
        for name, data in files.items():
            new.writestr(name, data)
    return target


def test_duplicated_and_missing_manifest_entries(filled, plain_bundle, tmp_path):
    cases = [
        (lambda data: data + data.splitlines(keepends=True)[0], "cite deux fois"),
        (lambda data: b"".join(data.splitlines(keepends=True)[1:]), "absent du manifeste"),
        (lambda data: data + b"0" * 64 + b"  data/fantome.txt\n", "absent du paquet"),
        (lambda data: data + b"0" * 64 + b"  ../dehors.txt\n", "chemin interdit"),
    ]
    for number, (change, fragment) in enumerate(cases):
        bad = resigned(filled, plain_bundle, tmp_path / f"cas-{number}.zip", change)
        with pytest.raises(BundleInvalid) as error:
            verify_file(bad, public_key=public_key(filled))
        assert fragment in error.value.message, error.value.message


def test_signature_moved_from_another_bundle(filled, plain_bundle, tmp_path):
    """A valid signature whose signed comment names another sequence is refused."""
    moved = resigned(
        filled,
        plain_bundle,
        tmp_path / "autre.zip",
        lambda d: d,
        "mairie commune=01001 sequence=2 partie=1/1",
    )
    with pytest.raises(BundleInvalid) as error:
        verify_file(moved, public_key=public_key(filled))
    assert "la signature vient d'un autre paquet" in error.value.message


def test_verifier_command(cli, filled, association, tmp_path):
    key, recipient, _ = association
    assert cli("config", "destinataire", recipient).exit_code == 0
    exported = cli("exporter", "--json")
    assert exported.exit_code == 0, exported.output
    part = Path(json.loads(exported.stdout)["files"][0]["name"])
    path = filled.workspace.exports_dir / part
    ok = cli("verifier", str(path), "--identite", str(key))
    assert ok.exit_code == 0, ok.output
    assert "signature et sommes de contrôle correctes" in ok.stderr
    ledger = cli("verifier", str(path))
    assert "identique au fichier exporté" in ledger.stderr
    bad = tmp_path / "abime.zip.age"
    bad.write_bytes(path.read_bytes()[:-10])
    refused = cli("verifier", str(bad), "--identite", str(key))
    assert refused.exit_code == ExitCode.DECRYPTION_FAILED
    assert refused.stderr.startswith("Erreur : [E172]")


def test_export_command_to_usb(cli, filled, tmp_path):
    stick = tmp_path / "USB"
    stick.mkdir()
    result = cli("exporter", "--sans-chiffrement", "--vers", str(stick))
    assert result.exit_code == 0, result.output
    assert "vous pouvez retirer la clé USB" in result.stderr
    assert (stick / "doleances-01001-000001.zip").is_file()
    # The association needs the commune's public key the first time: it travels beside the bundle.
    assert "clé publique de la commune est copiée à côté (commune-01001.pub)" in result.stderr
    key = (stick / "commune-01001.pub").read_text(encoding="utf-8")
    assert key == (filled.workspace.root / "cles" / "commune.pub").read_text(encoding="utf-8")
    again = cli("exporter", "--sans-chiffrement")
    assert "Rien de nouveau depuis le dernier paquet n° 1" in again.stderr
    cli("ajouter", "--texte", "Un second envoi.")
    (stick / "commune-01001.pub").unlink()
    second = cli("exporter", "--sans-chiffrement", "--vers", str(stick))
    assert second.exit_code == 0 and "clé publique" not in second.stderr  # once
    assert not (stick / "commune-01001.pub").exists()
    missing = cli("exporter", "--sans-chiffrement", "--tout", "--vers", str(tmp_path / "absente"))
    assert missing.exit_code == ExitCode.EXPORT_FAILED
    assert "la clé USB est-elle branchée" in missing.stderr


def test_no_secret_left_readable(filled):
    keys = CommuneKeys.of(filled.workspace)
    if os.name == "posix":
        assert not keys.secret.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH)


def test_csv_lines_read_back_with_the_csv_module():
    import csv

    from mairie_cli.csvtext import csv_line

    values = ["simple", "avec ; point-virgule", 'guillemets "ici"', "deux\nlignes", "", "fin\r"]
    [parsed] = list(csv.reader([csv_line(values)], delimiter=";"))
    assert parsed == values


# -- page images (--avec-scans) ----------------------------------------------------------------

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract absent (CI l'installe)"
)


def ocr_accepted(register, folder: Path, pages: int = 2):
    """Scan ``pages`` typed pages, OCR them and accept every draft."""
    from mairie_cli.services.commune import proofread
    from mairie_cli.services.commune.ocr import run_ocr
    from testkit.synthetic import typed_page

    folder.mkdir()
    for i in range(pages):
        lines = [
            f"Le {10 + i}/12/2018",
            f"Contribution scannée numéro {i}, assez longue pour un brouillon.",
            "Signé : X",
        ]
        typed_page(lines, dpi=100).save(folder / f"page-{i}.png")
    run_ocr(register, [folder], jobs=1)
    for page in proofread.pages(register):
        for draft in proofread.drafts(register, page.id):
            proofread.accept(register, draft)
    return sorted(folder.iterdir())


@needs_tesseract
def test_scans_travel_as_masked_copies(register, tmp_path):
    originals = ocr_accepted(register, tmp_path / "scans")
    register.add(NewContribution(text="Tapée au clavier, sans page scannée."))
    result = export_bundle(register, encrypt=False, with_scans=True)
    bag = unzip_bag(result.files[0].path, tmp_path / "x")
    assert not (bag / "data" / "pages").exists()  # no original leaves the commune
    copies = sorted((bag / "data" / "pages-masquees").iterdir())
    digests = sorted(hashlib.sha256(o.read_bytes()).hexdigest() for o in originals)
    assert [c.name for c in copies] == [f"{d}-1.png" for d in digests]
    from PIL import Image

    for original in originals:
        digest = hashlib.sha256(original.read_bytes()).hexdigest()
        with (
            Image.open(original) as scan,
            Image.open(bag / "data" / "pages-masquees" / f"{digest}-1.png") as copy,
        ):
            assert copy.size == scan.size
    records = [
        json.loads(x) for x in (bag / "data/contributions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    scanned = [r for r in records if r["scan"]]
    assert len(scanned) == 2 and scanned[0]["scan"]["page"] == 1
    assert scanned[0]["scan"]["file"].startswith("pages/") and records[-1]["scan"] is None
    assert verify_file(result.files[0].path, public_key=public_key(register)).contributions == 3
    # Without --avec-scans, the records still name their scan, the same way, but no image travels.
    plain = export_bundle(register, encrypt=False, full=True)
    unpacked = unzip_bag(plain.files[0].path, tmp_path / "y")
    assert not (unpacked / "data" / "pages-masquees").exists()
    again = [
        json.loads(x)
        for x in (unpacked / "data/contributions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert again == records


@needs_tesseract
def test_scans_split_over_parts_and_oversized_scan(register, tmp_path):
    ocr_accepted(register, tmp_path / "scans", pages=4)
    sizes = [p.stat().st_size for p in (register.workspace.root / "pages").rglob("*.png")]
    limit = 8192 + 6000 + int(max(sizes) * 1.6)  # tag files, records, and room for one scan
    result = export_bundle(register, encrypt=False, with_scans=True, max_size=limit)
    assert len(result.files) >= 2
    assert all(f.size <= limit for f in result.files)
    for exported in result.files:
        verify_file(exported.path, public_key=public_key(register))
    register.add(NewContribution(text="Encore une, pour un nouvel export."))
    register.correct(next(c for c in register.contributions() if c.page_id).uuid, text="Corrigée.")
    from mairie_cli.errors import PartTooLarge

    with pytest.raises(PartTooLarge) as error:
        export_bundle(register, encrypt=False, with_scans=True, max_size=8192 + 1000 + min(sizes) // 2)
    assert "La page scannée" in error.value.message


@needs_tesseract
def test_replaced_scan_is_caught(register, tmp_path):
    ocr_accepted(register, tmp_path / "scans", pages=1)
    part = export_bundle(register, encrypt=False, with_scans=True).files[0].path

    def swap(name, data):
        return b"\x89PNG autre image" if "/data/pages-masquees/" in name else data

    bad = rewrite_zip(part, tmp_path / "bad.zip", swap)
    with pytest.raises(BundleInvalid):
        verify_file(bad, public_key=public_key(register))


def test_a_part_stays_under_its_limit_however_the_threads_interleave(tmp_path, monkeypatch):
    # The compression ratio that predicts a part's size must be measured from bytes in and
    # bytes out of the same moment. Here, whoever asks the ZIP its size is held up while the
    # compressor goes on (as when the process waits for a core): measured on the filling
    # thread, the ratio then fell behind by the chunks compressed meanwhile.
    import os
    import time

    from mairie_cli.bundle import bag, parts

    size = bag.BagWriter.compressed_size

    def slow_size(self):
        measured = size(self)
        time.sleep(0.02)
        return measured

    monkeypatch.setattr(bag.BagWriter, "compressed_size", slow_size)
    monkeypatch.setattr(parts.OpenPart, "_CHUNK", 64 * 1024)
    budget = 2 * 1024**2
    builder = parts.PartBuilder(tmp_path, "essai", budget)
    lines = [os.urandom(200).hex().encode() for _ in range(500)]  # deflate: about 55 %
    rows = [b"x\r\n"] * len(lines)
    for batch in range(40):
        builder.add_lines([f"{batch}-{i}" for i in range(len(lines))], lines, rows)
    finished = builder.close({})
    assert len(finished) >= 3
    for part in finished:
        assert part.zip_path.stat().st_size <= budget
