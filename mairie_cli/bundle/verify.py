"""Verifying a bundle: signature, every checksum, the signed header, the state summary.

Nothing received is trusted before it is verified: a ZIP is extracted only into a temporary
folder, after its member names and sizes are checked; a decrypted file exists only there
and is removed whatever happens. A receiver at any level (the commune checking its own
export, the association, a level above) verifies with these functions and the key it trusts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import OpenedBag, extract_zip, open_bag
from mairie_cli.bundle.format import COMMUNE, CONTRIBUTIONS, DEPARTMENT, KEY_FILE, SCANS, STATE, Header
from mairie_cli.bundle.records import StateSummary, state_problem
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import decrypt_file
from mairie_cli.errors import BundleInvalid, FileUnreadable, KeyProblem, SignatureInvalid
from mairie_cli.files import disk_error, sha256_file

_AGE_MAGIC = b"age-encryption.org/v1"


@dataclass
class VerifiedBundle:
    """What a verified part says about itself."""

    file: str
    insee: str = ""
    commune: str = ""
    sequence: int = 0
    part: int = 1
    parts: int = 1
    key_id: str = ""
    previous_digest: str = ""
    full: bool = False
    contributions: int = 0
    tombstones: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    encrypted: bool = False
    checked_content: bool = True
    note: str = ""
    pages_to_type: int | None = None  # handwritten pages the commune has not typed yet
    level: str = COMMUNE  # who sent it: a commune (``insee`` its code) or a department (its number)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def verify_file(
    path: Path,
    *,
    public_key: signing.PublicKey | None,
    identities: list[object] | None = None,
    known_exports: list[dict[str, Any]] | None = None,
    work_root: Path | None = None,
) -> VerifiedBundle:
    """Verify one bundle file (``.zip`` or ``.zip.age``); raises a ``MairieError`` if anything fails.

    An encrypted file needs an identity to be opened. Without one, it can still be checked
    against ``known_exports`` (the commune's own ledger): same digest, same file.
    """
    if is_encrypted(path) and not identities:
        return _check_against_ledger(path, known_exports or [])
    with opened_bundle(path, identities or [], work_root=work_root) as (bag, encrypted):
        if public_key is None:
            raise KeyProblem(
                f"Pour vérifier la signature de « {path.name} », indiquez la clé publique de la "
                "commune avec --cle commune-XXXXX.pub."
            )
        result = check_bag(bag, path.name, public_key)
        result.encrypted = encrypted
        return result


def is_encrypted(path: Path) -> bool:
    """Whether a file is an age file (raises ``FileUnreadable`` if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_AGE_MAGIC)) == _AGE_MAGIC
    except OSError:
        raise FileUnreadable(f"Le fichier « {path} » n'existe pas ou ne se lit pas.") from None


@contextmanager
def opened_bundle(
    path: Path, identities: list[object], *, label: str | None = None, work_root: Path | None = None
) -> Iterator[tuple[OpenedBag, bool]]:
    """A received bundle, decrypted and extracted into a temporary folder (inside
    ``work_root`` when given, else the system's) that is removed afterwards, its structure
    and every checksum checked; yields ``(bag, was_encrypted)``.

    The signature is not checked here: the caller knows which key to check it with.
    """
    name = label or path.name
    encrypted = is_encrypted(path)
    try:
        work = Path(tempfile.mkdtemp(prefix="mairie-verif-", dir=work_root))
    except OSError as exc:
        raise disk_error(exc, "créer le dossier temporaire de la réception") from None
    try:
        zip_path = path
        if encrypted:
            if not identities:
                raise KeyProblem(f"« {name} » est chiffré : il faut la clé secrète age pour l'ouvrir.")
            zip_path = work / "paquet.zip"
            decrypt_file(path, zip_path, identities, name)
        root = extract_zip(zip_path, work / "sac", name)
        yield open_bag(root, name), encrypted
    finally:
        shutil.rmtree(work, ignore_errors=True)


def embedded_key(bag: OpenedBag) -> signing.PublicKey | None:
    """The public key the bag carries (covered by its tag manifest), if any."""
    if KEY_FILE not in bag.tags:
        return None
    try:
        return signing.read_public_key(bag.root / KEY_FILE)
    except KeyProblem:
        return None


def check_bag(
    bag: OpenedBag, label: str, public_key: signing.PublicKey, *, read_records: bool = True
) -> VerifiedBundle:
    """Check the signature and what it covers; with ``read_records``, count the records (and
    recompute the state summary of a complete export in one part).

    The caller that reads the records itself passes ``read_records=False``.
    """
    try:
        comment = signing.verify(public_key, bag.tagmanifest, bag.signature)
    except SignatureInvalid as exc:
        raise SignatureInvalid(
            f"« {label} » : {exc.message} (clé attendue {public_key.key_id}, empreinte "
            f"{public_key.fingerprint}). Ne l'utilisez pas."
        ) from None
    header = Header.read(bag.info, label) if "Mairie-Part" in bag.info else None
    if header is None or not header.matches_comment(comment):
        raise BundleInvalid(
            f"« {label} » : le commentaire signé (« {comment} ») ne correspond pas à bag-info.txt : "
            "la signature vient d'un autre paquet."
        )
    if header.key_id != public_key.key_id:
        raise BundleInvalid(f"« {label} » : bag-info.txt annonce la clé {header.key_id}.")
    for path in bag.payload:
        if path.startswith(f"data/{SCANS}"):
            name = path.rsplit("/", 1)[1]
            if name.split(".")[0] != bag.payload[path]:
                raise BundleInvalid(
                    f"« {label} » : la page scannée « {name} » ne porte pas l'empreinte de son "
                    "contenu (fichier remplacé)."
                )
    state = _read_json(bag, f"data/{STATE}", label)
    if (problem := state_problem(state)) is not None:
        raise BundleInvalid(f"« {label} » : {STATE} {problem}.")
    if state.get("digest") != header.state_digest:
        raise BundleInvalid(f"« {label} » : le résumé d'état ne correspond pas à bag-info.txt.")
    if f"data/{CONTRIBUTIONS}" not in bag.payload:
        raise BundleInvalid(f"« {label} » ne contient pas data/{CONTRIBUTIONS}.")
    # A complete export in one part holds every contribution: its summary is recomputed.
    contributions = tombstones = 0
    digests = None
    if read_records:
        contributions, tombstones, digests = _scan_records(
            bag, label, collect=header.full and header.parts == 1, department=header.level == DEPARTMENT
        )
    if digests is not None:
        digests.sort()
        if StateSummary.of_digests(digests).to_dict() != state:
            raise BundleInvalid(
                f"« {label} » : le résumé d'état ne correspond pas aux contributions du paquet."
            )
    return VerifiedBundle(
        file=label, insee=header.sender, commune=header.commune, sequence=header.sequence,
        part=header.part, parts=header.parts, key_id=header.key_id,
        previous_digest=header.previous_digest, full=header.full, contributions=contributions,
        tombstones=tombstones, state=state, pages_to_type=header.pages_to_type, level=header.level,
    )  # fmt: skip


def _scan_records(
    bag: OpenedBag, label: str, *, collect: bool, department: bool = False
) -> tuple[int, int, list[tuple[str, int, str, bool]] | None]:
    """Read contributions.jsonl line by line: counts, and (uuid, version, digest) if asked
    (a department's records are named « commune/uuid »)."""
    contributions = tombstones = 0
    digests: list[tuple[str, int, str, bool]] | None = [] if collect else None
    with bag.open(f"data/{CONTRIBUTIONS}") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                raise BundleInvalid(
                    f"« {label} » : contributions.jsonl, ligne {number}, est illisible."
                ) from None
            if not isinstance(record, dict) or not {"uuid", "version", "deleted_at"} <= record.keys():
                raise BundleInvalid(f"« {label} » : contributions.jsonl, ligne {number}, est incomplète.")
            deleted = record["deleted_at"] is not None
            tombstones += deleted
            contributions += not deleted
            if digests is not None:
                digest = hashlib.sha256(line.rstrip(b"\n")).hexdigest()
                name = f"{record.get('insee')}/{record['uuid']}" if department else str(record["uuid"])
                digests.append((name, int(record["version"]), digest, deleted))
    return contributions, tombstones, digests


def _read_json(bag: OpenedBag, relative: str, label: str) -> dict[str, Any]:
    try:
        value = json.loads(bag.read(relative))
    except (OSError, ValueError):
        raise BundleInvalid(f"« {label} » : « {relative} » manque ou est illisible.") from None
    if not isinstance(value, dict):
        raise BundleInvalid(f"« {label} » : « {relative} » est mal formé.")
    return value


def _check_against_ledger(path: Path, known_exports: list[dict[str, Any]]) -> VerifiedBundle:
    digest = sha256_file(path)
    for export in known_exports:
        for exported in export["files"]:
            if exported["sha256"] == digest:
                return VerifiedBundle(
                    file=path.name, sequence=export["sequence"], part=exported["part"],
                    parts=len(export["files"]), encrypted=True, checked_content=False,
                    note=(
                        f"identique au fichier exporté le {export['created_at'][:10]} ; son contenu "
                        "est chiffré pour l'association, qui seule peut en vérifier la signature"
                    ),
                )  # fmt: skip
    raise KeyProblem(
        f"« {path.name} » est chiffré et ne correspond à aucun export de cette commune : pour le "
        "vérifier, indiquez la clé secrète age de l'association avec --identite."
    )
