"""Real commune workspaces that export real bundles, and the tools to forge hostile ones: a
bundle re-signed with the commune's own key after its content was changed (what only the record
checks can catch), and raw ZIP files built member by member."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyrage

from mairie_cli.bundle.records import Pseudonyms, export_record, record_digest
from mairie_cli.crypto import signing
from mairie_cli.models import NewContribution
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.commune.export import export_bundle
from mairie_cli.services.commune.keys import CommuneKeys, set_recipients
from mairie_cli.services.commune.privacy import privacy_choices
from mairie_cli.services.commune.register import Register

WORDS = (
    "route école médecin poste gare impôt retraite essence village commune maire service "
    "transport bus train santé hôpital pharmacie internet réseau agriculteur lait prix taxe "
    "justice sécurité gendarmerie climat éolienne forêt eau électricité facture salaire"
).split()


def text(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


class Commune:
    """A commune's real workspace that exports to the association."""

    def __init__(self, root: Path, insee: str, recipients: list[str], seed: int = 0) -> None:
        self.insee = insee
        register, _ = Register.init(root, insee)
        self.register = register
        register.open_cahier("Cahier de doléances")
        set_recipients(register, *recipients)
        self.rng = random.Random(seed)
        self.files: list[Path] = []  # every file exported, kept even if a later export reuses its name
        self.mail = root.parent / f"courrier-{root.name}"
        self.mail.mkdir(exist_ok=True)

    def add(self, count: int, words: int = 12) -> list[str]:
        return [
            self.register.add(NewContribution(text=text(self.rng, words), author=f"Auteur {i % 3}")).uuid
            for i in range(count)
        ]

    def export(self, **options) -> list[Path]:
        result = export_bundle(self.register, **options)
        kept = []
        for exported in result.files:
            copy = self.mail / f"{self.mail.name}-{len(self.files):03d}-{exported.name}"
            shutil.copy2(exported.path, copy)
            kept.append(copy)
        self.files.extend(kept)
        return kept

    def public_key_file(self) -> Path:
        return CommuneKeys.of(self.register.workspace).public

    def expected(self) -> dict[tuple[str, str], tuple]:
        """What the association must hold of this commune: every exported contribution at its
        current version, as the export writes it."""
        pseudonym = Pseudonyms(CommuneKeys.of(self.register.workspace).pseudonym_key())
        pages = self.register.pages
        choices = privacy_choices(self.register)
        found = {}
        for contribution in self.register.exports.pending(full=True):
            scan = None
            if contribution.page_id is not None:
                page = pages.page(contribution.page_id)
                scan = (f"pages/{Path(page['stored_path']).name}", page["index"] + 1)
            text = (
                None
                if contribution.deleted
                else choices.detector(contribution.uuid).mask(contribution.text)[0]
            )
            record = export_record(contribution, pseudonym, scan, text)
            found[(self.insee, record["uuid"])] = (
                record["version"],
                record_digest(record),
                record["text"],
                record["deleted_at"],
            )
        return found


def held(association_root: Path) -> dict[tuple[str, str], tuple]:
    with sqlite3.connect(association_root / "association.db") as conn:
        rows = conn.execute(
            "SELECT insee, uuid, version, digest, text, deleted_at FROM contributions"
        ).fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


Files = dict[str, bytes]


def open_bundle(bundle: Path, asso: Association) -> tuple[str, Files]:
    """A bundle's bag: its top folder and its files (relative to it)."""
    identity = asso.identities()[0]
    data = bundle.read_bytes()
    if data.startswith(b"age-encryption.org"):
        data = pyrage.decrypt(data, [identity])
    return _members(data)


def _members(data: bytes) -> tuple[str, Files]:
    """The top folder of a bag's ZIP and its files (relative to it)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "b.zip"
        path.write_bytes(data)
        with zipfile.ZipFile(path) as archive:
            files = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    [root] = {name.split("/")[0] for name in files}
    return root, {name[len(root) + 1 :]: content for name, content in files.items()}


def resign(
    town: Commune, bundle: Path, target: Path, asso: Association, change: Callable[[Files], Files]
) -> Path:
    """Change a bundle's files, fix both manifests, Payload-Oxum and sign again with the commune's
    own key (the trusted comment follows bag-info.txt): a key holder's forgery."""
    root, files = open_bundle(bundle, asso)
    files, info = _fixed(change(dict(files)))
    secret = CommuneKeys.of(town.register.workspace).secret
    comment = (
        f"mairie commune={info['Mairie-INSEE']} sequence={info['Mairie-Sequence']} "
        f"partie={info['Mairie-Part']}"
    )
    files["tagmanifest-sha256.txt.minisig"] = signing.sign(secret, files["tagmanifest-sha256.txt"], comment)
    return seal(target, {f"{root}/{n}": d for n, d in files.items()}, asso)


def resign_department(
    bundle: Path, target: Path, secret: Path, identity: object, change: Callable[[Files], Files]
) -> Path:
    """The same forgery by an association's key holder: a department's bundle changed, its
    manifests fixed, signed again with the association's key, encrypted to the same federation."""
    data = pyrage.decrypt(bundle.read_bytes(), [identity])
    root, files = _members(data)
    files, info = _fixed(change(dict(files)))
    comment = (
        f"mairie departement={info['Mairie-Departement']} sequence={info['Mairie-Sequence']} "
        f"partie={info['Mairie-Part']}"
    )
    files["tagmanifest-sha256.txt.minisig"] = signing.sign(secret, files["tagmanifest-sha256.txt"], comment)
    seal(target, {f"{root}/{n}": d for n, d in files.items()})
    target.write_bytes(pyrage.encrypt(target.read_bytes(), [identity.to_public()]))  # type: ignore[attr-defined]
    return target


def _fixed(files: Files) -> tuple[Files, dict[str, str]]:
    """Both manifests and Payload-Oxum made to match the (changed) files; bag-info's keys."""
    payload = {n: d for n, d in files.items() if n.startswith("data/")}
    files["manifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(payload.items())
    ).encode()
    oxum = f"{sum(len(d) for d in payload.values())}.{len(payload)}"
    info = {}
    lines = []
    for line in files["bag-info.txt"].decode().splitlines():
        label, _, value = line.partition(": ")
        value = oxum if label == "Payload-Oxum" else value
        info[label] = value
        lines.append(f"{label}: {value}")
    files["bag-info.txt"] = ("\n".join(lines) + "\n").encode()
    tags = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "cle-commune.pub")
    files["tagmanifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(files[n]).hexdigest()}  {n}\n" for n in tags
    ).encode()
    return files, info


def seal(target: Path, members: Files, asso: Association | None = None) -> Path:
    """A ZIP of these members (encrypted to the association when given)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "z.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        data = path.read_bytes()
    if asso is not None:
        data = pyrage.encrypt(data, [asso.identities()[0].to_public()])
    target.write_bytes(data)
    return target


def jsonl_lines(change: Callable[[bytes], bytes]) -> Callable[[Files], Files]:
    """A ``resign`` change applied to contributions.jsonl only."""

    def apply(files: Files) -> Files:
        files["data/contributions.jsonl"] = change(files["data/contributions.jsonl"])
        return files

    return apply
