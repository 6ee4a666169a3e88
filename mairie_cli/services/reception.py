"""Receiving bundles at the association: verify everything, then merge in one transaction.

Bundles come by email and USB stick, in any order, some twice, some damaged, a few not from
who they claim. Each file is decrypted and extracted into a temporary folder, its signature
and every checksum checked against a key trusted for its commune *before* any content is
read; only then is it applied, in one transaction with its ledger entry: contributions
upserted by (commune, UUID) keeping the highest version (a tombstone is a version), cahiers
stored, the file archived under its digest. A file that fails any check goes to the
quarantine with its reason; nothing of it is applied.

Per commune, a ledger of exports (sequence numbers, chained by digest) tells duplicates,
gaps and conflicts apart; once a commune's exports are all in, what the association holds
of it is summarised again and compared with the summary the commune signed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.records import StateSummary, canonical_json
from mairie_cli.crypto import signing
from mairie_cli.errors import (
    BundleInvalid,
    DecryptionFailed,
    FileUnreadable,
    InvalidInsee,
    KeyProblem,
    MairieError,
    OutsideDepartment,
    SequenceConflict,
    SignatureInvalid,
    StateMismatch,
    UnsafeArchive,
    UntrustedKey,
)
from mairie_cli.files import copy_durably, sha256_file
from mairie_cli.insee import department_of, normalize_insee
from mairie_cli.services.association import Association
from mairie_cli.services.register import current_actor, now_iso
from mairie_cli.services.verify import VerifiedBundle, check_bag, embedded_key, is_encrypted, opened_bundle
from mairie_cli.storage.database import transaction

#: Errors that condemn a bundle (it goes to the quarantine); any other stops the reception.
BUNDLE_ERRORS = (
    BundleInvalid, DecryptionFailed, SignatureInvalid, UnsafeArchive, UntrustedKey,
    OutsideDepartment, SequenceConflict, KeyProblem,
)  # fmt: skip
_NATURES = {"doleance", "proposition", "autre"}
_SOURCES = {"saisie", "import", "ocr"}
_RECORD_KEYS = {
    "author", "cahier", "created_at", "date", "deleted_at", "nature", "page", "position", "scan",
    "source", "text", "updated_at", "uuid", "version",
}  # fmt: skip

Progress = Callable[[int, int], None]

APPLIED = "appliqué"
DUPLICATE = "doublon"
QUARANTINED = "quarantaine"
UNREADABLE = "illisible"


@dataclass
class Outcome:
    """What became of one file."""

    file: str
    status: str
    insee: str | None = None
    commune: str | None = None
    sequence: int | None = None
    part: int | None = None
    parts: int | None = None
    contributions: int = 0
    tombstones: int = 0
    code: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ReceptionReport:
    outcomes: list[Outcome] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # commune -> what is still missing
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [o.to_dict() for o in self.outcomes],
            "applied": self.count(APPLIED),
            "duplicates": self.count(DUPLICATE),
            "quarantined": self.count(QUARANTINED),
            "unreadable": self.count(UNREADABLE),
            "missing": self.missing,
            "state_mismatches": self.mismatches,
        }


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """The files to receive: those named, and the bundles found in the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.name.endswith((".zip", ".zip.age")) and not p.name.startswith(".")
                )
            )
        else:
            found.append(path)
    return found


def receive(
    association: Association,
    paths: Iterable[Path],
    *,
    identities: list[Path] | None = None,
    retry_quarantine: bool = False,
    progress: Progress | None = None,
) -> ReceptionReport:
    """Receive bundle files (and folders of them) in any order; each file is applied entirely
    or not at all, so a reception killed midway is simply run again."""
    receiver = _Receiver(association, association.identities(identities))
    files = [(path, None) for path in bundle_files(paths)]
    if retry_quarantine:
        root = association.workspace.root
        files += [(root / q["stored_as"], q["file_name"]) for q in association.store.quarantined()]
    report = ReceptionReport()
    touched: set[str] = set()
    for done, (path, label) in enumerate(files, start=1):
        outcome = receiver.receive_file(path, label)
        report.outcomes.append(outcome)
        if outcome.insee and outcome.status != QUARANTINED:
            touched.add(outcome.insee)
        if progress:
            progress(done, len(files))
    for insee in sorted(touched):
        missing = _missing(association, insee)
        if missing:
            report.missing[insee] = missing
    report.mismatches = receiver.mismatches
    return report


def _missing(association: Association, insee: str) -> list[str]:
    from mairie_cli.services.association import missing_sequences

    return missing_sequences(association.store.sequences(insee))


@dataclass
class _Records:
    rows: list[tuple[Any, ...]]
    contributions: int
    tombstones: int


class _Receiver:
    def __init__(self, association: Association, identities: list[object]) -> None:
        self.association = association
        self.store = association.store
        self.identities = identities
        self.department = association.department
        self.mismatches: list[dict[str, Any]] = []

    def receive_file(self, path: Path, quarantined_as: str | None = None) -> Outcome:
        label = quarantined_as or path.name
        try:
            sha256 = sha256_file(path)
        except OSError:
            return Outcome(label, UNREADABLE, code=FileUnreadable.code, message=f"« {path} » ne se lit pas.")
        known = self.store.received_file(sha256)
        if known is not None:
            self._release(sha256)
            return Outcome(
                label, DUPLICATE, insee=known["insee"], sequence=known["sequence"], part=known["part"],
                message="déjà reçu : rien n'a changé",
            )  # fmt: skip
        context: dict[str, Any] = {}
        try:
            with opened_bundle(path, self.identities) as (bag, _):
                return self._receive_bag(path, label, sha256, bag, context)
        except BUNDLE_ERRORS as exc:
            return self._quarantine(path, label, sha256, exc, context)

    # -- one verified bag ----------------------------------------------------------------

    def _receive_bag(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, context: dict[str, Any]
    ) -> Outcome:
        info = bag.info
        try:
            insee = normalize_insee(info.get("Mairie-INSEE", ""))
        except InvalidInsee:
            raise BundleInvalid(f"« {label} » : bag-info.txt ne donne pas de code INSEE valide.") from None
        context["insee"] = insee
        if department_of(insee) != self.department:
            raise OutsideDepartment(
                f"« {label} » vient de la commune {insee}, qui n'est pas dans le département "
                f"{self.department} : refusé, à transmettre à l'association de son département."
            )
        key_id = info.get("Mairie-Key-Id", "")
        key = self.association.trusted_key(insee, key_id)
        if key is None:
            raise self._untrusted(label, insee, key_id, bag, context)
        verified = check_bag(bag, label, key, read_records=False)
        context.update(sequence=verified.sequence, part=verified.part)
        tag_digest = hashlib.sha256(bag.tagmanifest).hexdigest()
        records = _read_records(bag, label, insee, verified.sequence)
        cahiers = _read_cahiers(bag, label)
        scans = [
            p.removeprefix("data/")
            for p in bag.payload
            if p.startswith(("data/pages/", "data/pages-masquees/"))
        ]
        at = now_iso()
        mismatch = ""
        # The ledger is read and written under one write lock: two receptions running at
        # once never both apply the same part.
        with transaction(self.association.db):
            existing = self.store.part(insee, verified.sequence, verified.part)
            duplicate = existing is not None
            if existing is not None:
                if existing["tag_digest"] != tag_digest:
                    raise self._conflict(label, verified, "a déjà été reçu avec un autre contenu")
                self.store.note_received_file(sha256, insee, verified.sequence, verified.part, label, at)
            else:
                digest = self._check_chain(label, verified, tag_digest)
                archived = self._archive(path, insee, sha256)
                self.store.note_commune(insee, verified.commune)
                if self.store.sequence(insee, verified.sequence) is None:
                    self.store.insert_sequence(
                        {
                            "insee": insee, "sequence": verified.sequence, "parts": verified.parts,
                            "previous_digest": verified.previous_digest,
                            "state": json.dumps(verified.state, sort_keys=True),
                            "full": int(verified.full), "key_id": verified.key_id, "first_received_at": at,
                        }
                    )  # fmt: skip
                self.store.insert_part(
                    {
                        "insee": insee, "sequence": verified.sequence, "part": verified.part,
                        "tag_digest": tag_digest, "file_sha256": sha256, "file_name": label,
                        "archived_as": archived, "contributions": records.contributions,
                        "tombstones": records.tombstones, "received_at": at,
                    }
                )  # fmt: skip
                self.store.note_received_file(sha256, insee, verified.sequence, verified.part, label, at)
                self.store.upsert_contributions(records.rows)
                self.store.upsert_cahiers(insee, verified.sequence, cahiers)
                self.store.note_scans(insee, scans, sha256)
                if digest:
                    self.store.set_sequence_digest(insee, verified.sequence, digest)
                if verified.pages_to_type is not None:
                    self.store.note_pages_to_type(insee, verified.sequence, verified.pages_to_type)
                mismatch = self._check_state(insee, at)
                self.store.journal(
                    at, current_actor(), "receive",
                    {"file": label, "sha256": sha256, "insee": insee, "sequence": verified.sequence,
                     "part": verified.part, "contributions": records.contributions,
                     "tombstones": records.tombstones},
                )  # fmt: skip
        self._release(sha256)
        if duplicate:
            return self._outcome(label, DUPLICATE, verified, "déjà reçu (autre copie du même paquet)")
        outcome = self._outcome(label, APPLIED, verified, "")
        outcome.contributions, outcome.tombstones = records.contributions, records.tombstones
        if mismatch:
            outcome.code, outcome.message = StateMismatch.code, mismatch
        return outcome

    def _check_chain(self, label: str, verified: VerifiedBundle, tag_digest: str) -> str:
        """Same number, same export; each export names the previous one's digest. Returns the
        export's digest when this part is its last one missing (else "")."""
        insee, number = verified.insee, verified.sequence
        known = self.store.sequence(insee, number)
        if known is not None and (
            known["parts"] != verified.parts
            or known["previous_digest"] != verified.previous_digest
            or json.loads(known["state"]) != verified.state
        ):
            raise self._conflict(label, verified, "a déjà été reçu avec un autre contenu")
        previous = self.store.sequence(insee, number - 1) if number > 1 else None
        if previous is not None and previous["digest"] and previous["digest"] != verified.previous_digest:
            raise self._conflict(
                label, verified, f"ne suit pas l'envoi n° {number - 1} reçu (chaîne des empreintes rompue)"
            )
        parts = dict(self.store.part_digests(insee, number))
        parts[verified.part] = tag_digest
        if len(parts) < verified.parts:
            return ""
        digest = "sha256:" + hashlib.sha256("\n".join(parts[k] for k in sorted(parts)).encode()).hexdigest()
        following = self.store.sequence(insee, number + 1)
        if following is not None and following["previous_digest"] != digest:
            raise self._conflict(
                label, verified, f"ne correspond pas à l'envoi n° {number + 1} déjà reçu (chaîne rompue)"
            )
        return digest

    def _check_state(self, insee: str, at: str) -> str:
        """Compare what is held of a commune with the summary it signed, when comparable:
        its latest export complete, and every earlier one in (or the latest a full export)."""
        sequences = self.store.sequences(insee)
        latest = sequences[-1]
        complete = all(s["received"] == s["parts"] for s in sequences)
        if latest["received"] < latest["parts"] or not (
            latest["full"] or (complete and len(sequences) == latest["sequence"])
        ):
            self.store.set_state_status(insee, "en attente", latest["sequence"], at)
            return ""
        held = StateSummary.of_digests(self.store.state_digests(insee)).to_dict()
        signed = json.loads(latest["state"])
        if held == signed:
            self.store.set_state_status(insee, "conforme", latest["sequence"], at)
            return ""
        message = (
            f"Commune {insee} : après l'envoi n° {latest['sequence']}, l'association détient "
            f"{held['contributions']} contributions et {held['tombstones']} suppressions, la commune "
            f"en déclare {signed.get('contributions')} et {signed.get('tombstones')} (empreintes "
            "différentes) : demandez-lui un export complet (mairie exporter --tout)."
        )
        self.store.set_state_status(insee, "différent", latest["sequence"], at)
        self.store.add_problem(insee, latest["sequence"], StateMismatch.code, message, at)
        self.mismatches.append({"insee": insee, "sequence": latest["sequence"], "message": message})
        return message

    # -- archive and quarantine ----------------------------------------------------------

    def _archive(self, path: Path, insee: str, sha256: str) -> str:
        folder = self.association.workspace.received_dir / insee
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".zip.age" if is_encrypted(path) else ".zip"
        target = folder / f"{sha256}{suffix}"
        if not target.exists():
            copy_durably(path, target)
        return target.relative_to(self.association.workspace.root).as_posix()

    def _untrusted(
        self, label: str, insee: str, key_id: str, bag: OpenedBag, context: dict[str, Any]
    ) -> MairieError:
        carried = embedded_key(bag)
        trusted = self.store.trusted_keys(insee)
        if carried is None or carried.key_id != key_id:
            return UntrustedKey(
                f"« {label} » est signé par une clé inconnue (identifiant {key_id or '?'}) pour la "
                f"commune {insee} : demandez à la mairie le fichier commune-{insee}.pub (mairie cle)."
            )
        try:
            signing.verify(carried, bag.tagmanifest, bag.signature)
        except SignatureInvalid:
            return SignatureInvalid(
                f"« {label} » : la signature ne correspond pas au contenu. Ne l'utilisez pas."
            )
        key_file = self.association.workspace.quarantine_dir / f"commune-{insee}-{carried.key_id}.pub"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(carried.file_text(f"clé présentée par la commune {insee}"), encoding="utf-8")
        context["key_file"] = key_file.relative_to(self.association.workspace.root).as_posix()
        trust = (
            f"Si la mairie lit la même empreinte (commande « mairie cle » chez elle) : mairie asso "
            f"confiance ajouter « {key_file} » --commune {insee}, puis mairie asso recevoir "
            "--quarantaine."
        )
        if trusted:
            known = ", ".join(k["fingerprint"] for k in trusted)
            return UntrustedKey(
                f"« {label} » se dit de la commune {insee} mais est signé par une autre clé que celle "
                f"reconnue (empreinte reconnue {known}, empreinte de ce paquet {carried.fingerprint}) : "
                "paquet peut-être falsifié, ou clé changée après une réinstallation. Appelez la "
                f"mairie. {trust}"
            )
        return UntrustedKey(
            f"« {label} » vient de la commune {insee}, dont aucune clé n'est encore reconnue. "
            f"Empreinte de sa clé : {carried.fingerprint}. {trust}"
        )

    def _conflict(self, label: str, verified: VerifiedBundle, what: str) -> SequenceConflict:
        return SequenceConflict(
            f"« {label} » : l'envoi n° {verified.sequence} (partie {verified.part}/{verified.parts}) de la "
            f"commune {verified.insee} {what}. Rien n'a été appliqué. Appelez la mairie : son registre "
            "a peut-être été restauré d'une sauvegarde ; un export complet (mairie exporter --tout) "
            "remettra tout d'aplomb."
        )

    def _quarantine(
        self, path: Path, label: str, sha256: str, exc: MairieError, context: dict[str, Any]
    ) -> Outcome:
        workspace = self.association.workspace
        target = workspace.quarantine_dir / f"{sha256[:12]}-{label}"
        if path.resolve() != target.resolve():
            workspace.quarantine_dir.mkdir(parents=True, exist_ok=True)
            copy_durably(path, target)
        insee = context.get("insee")
        with transaction(self.association.db):
            if insee and not isinstance(exc, OutsideDepartment):
                self.store.note_commune(insee, None)
            self.store.quarantine(
                {
                    "sha256": sha256, "file_name": label,
                    "stored_as": target.relative_to(workspace.root).as_posix(),
                    "insee": context.get("insee"), "sequence": context.get("sequence"),
                    "part": context.get("part"), "code": exc.code, "reason": exc.message,
                    "key_file": context.get("key_file"), "received_at": now_iso(),
                }
            )  # fmt: skip
            self.store.journal(now_iso(), current_actor(), "quarantine", {"file": label, "code": exc.code})
        return Outcome(
            label, QUARANTINED, insee=context.get("insee"), sequence=context.get("sequence"),
            part=context.get("part"), code=exc.code, message=exc.message,
        )  # fmt: skip

    def _release(self, sha256: str) -> None:
        """A quarantined file that is now applied (or known) leaves the quarantine."""
        with transaction(self.association.db):
            kept = self.store.release(sha256, now_iso())
        for relative in kept:
            (self.association.workspace.root / relative).unlink(missing_ok=True)

    @staticmethod
    def _outcome(label: str, status: str, verified: VerifiedBundle, message: str) -> Outcome:
        return Outcome(
            label, status, insee=verified.insee, commune=verified.commune or None,
            sequence=verified.sequence, part=verified.part, parts=verified.parts, message=message,
        )  # fmt: skip


def _read_records(bag: OpenedBag, label: str, insee: str, sequence: int) -> _Records:
    """Every record of the bag, checked, as rows for the merge (nothing written yet)."""
    rows: list[tuple[Any, ...]] = []
    counts = [0, 0]
    with bag.open("data/contributions.jsonl") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\n")
            try:
                text = line.decode("utf-8")
                record = json.loads(text)
            except (ValueError, UnicodeDecodeError):
                raise BundleInvalid(
                    f"« {label} » : contributions.jsonl, ligne {number}, est illisible."
                ) from None
            problem = _record_problem(record)
            if problem is None and canonical_json(record) != text:
                problem = "n'est pas écrite sous la forme canonique"
            if problem:
                raise BundleInvalid(f"« {label} » : contributions.jsonl, ligne {number}, {problem}.")
            deleted = record["deleted_at"] is not None
            counts[deleted] += 1
            scan = record["scan"] or {}
            rows.append(
                (
                    insee, record["uuid"], record["version"], hashlib.sha256(line).hexdigest(),
                    record["cahier"], record["position"], record["page"], record["date"],
                    record["nature"], record["text"], record["author"], record["source"],
                    scan.get("file"), scan.get("page"), record["created_at"], record["updated_at"],
                    record["deleted_at"], sequence,
                )
            )  # fmt: skip
    return _Records(rows, counts[0], counts[1])


def _record_problem(record: object) -> str | None:
    """Why a record cannot be merged, or None."""
    if not isinstance(record, dict) or set(record) != _RECORD_KEYS:
        return "n'a pas les champs attendus"
    if not isinstance(record["uuid"], str) or len(record["uuid"]) != 36:
        return "a un identifiant invalide"
    for name in ("version", "cahier", "position"):
        if not isinstance(record[name], int) or isinstance(record[name], bool) or record[name] < 0:
            return f"a un champ « {name} » invalide"
    if record["nature"] not in _NATURES or record["source"] not in _SOURCES:
        return "a une nature ou une source inconnue"
    for name in ("text", "author", "date", "deleted_at", "created_at", "updated_at"):
        if record[name] is not None and not isinstance(record[name], str):
            return f"a un champ « {name} » invalide"
    if record["deleted_at"] is None and not record["text"]:
        return "n'a pas de texte"
    scan = record["scan"]
    if scan is not None and not (isinstance(scan, dict) and isinstance(scan.get("file"), str)):
        return "a une référence de page scannée invalide"
    return None


def _read_cahiers(bag: OpenedBag, label: str) -> list[dict[str, Any]]:
    if "data/cahiers.json" not in bag.payload:
        return []
    try:
        value = json.loads(bag.read("data/cahiers.json"))
    except (OSError, ValueError):
        raise BundleInvalid(f"« {label} » : cahiers.json est illisible.") from None
    if not isinstance(value, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), int) and isinstance(c.get("title"), str)
        for c in value
    ):
        raise BundleInvalid(f"« {label} » : cahiers.json est mal formé.")
    return value
