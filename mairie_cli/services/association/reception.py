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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.format import COMMUNE, MASKED_SCANS, SCANS
from mairie_cli.bundle.records import read_cahiers, read_records
from mairie_cli.bundle.verify import VerifiedBundle, check_bag
from mairie_cli.clock import current_actor, now_iso
from mairie_cli.errors import (
    BundleInvalid,
    InvalidInsee,
    MairieError,
    OutsideDepartment,
    StateMismatch,
)
from mairie_cli.insee import department_of, normalize_insee
from mairie_cli.services.association.quarantine import put_in_quarantine, untrusted_key_error
from mairie_cli.services.association.workspace import Association
from mairie_cli.services.ledger import check_chain, check_state, conflict
from mairie_cli.services.receiving import (
    BundleReceiver,
    Outcome,
    Progress,
    Receipt,
    ReceptionReport,
    cleaned,
)
from mairie_cli.storage.association.store import AssociationStore
from mairie_cli.storage.database import transaction


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
    return receiver.receive_all(paths, retry_quarantine, progress)


@dataclass
class _Records:
    rows: list[dict[str, Any]]  # by column name, as the store merges them
    contributions: int
    tombstones: int


class _Receiver(BundleReceiver):
    def __init__(self, association: Association, identities: list[object]) -> None:
        super().__init__(association.workspace, association.db, association.store, identities)
        self.association = association
        self.store: AssociationStore = association.store
        self.department = association.department

    # -- one verified bag ----------------------------------------------------------------

    def _receive_bag(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, context: dict[str, Any]
    ) -> Outcome:
        info = bag.info
        if info.get("Mairie-Niveau", COMMUNE) != COMMUNE:
            raise BundleInvalid(
                f"« {label} » est le paquet d'un département, destiné à la fédération nationale : "
                "une association ne reçoit que les paquets de ses communes."
            )
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
            raise untrusted_key_error(self.association, label, insee, key_id, bag, context)
        verified = check_bag(bag, label, key, read_records=False)
        context.update(sequence=verified.sequence, part=verified.part)
        records = _read_records(bag, label, insee, verified.sequence)
        # The ledger is read and written under one write lock: two receptions running at
        # once never both apply the same part.
        with transaction(self.association.db):
            applied, mismatch = self._apply(path, label, sha256, bag, verified, records)
        self._release(sha256)
        if not applied:
            return self._outcome(label, Receipt.DUPLICATE, verified, "déjà reçu (autre copie du même paquet)")
        outcome = self._outcome(label, Receipt.APPLIED, verified, "")
        outcome.contributions, outcome.tombstones = records.contributions, records.tombstones
        if mismatch:
            outcome.code, outcome.message = StateMismatch.code, mismatch
        return outcome

    def _apply(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, verified: VerifiedBundle, records: _Records
    ) -> tuple[bool, str]:
        """Write one verified part (inside the caller's transaction). Returns whether it was
        new, and the explanation of a state that differs from what the commune signed."""
        insee, store, at = verified.insee, self.store, now_iso()
        tag_digest = hashlib.sha256(bag.tagmanifest).hexdigest()
        existing = store.part(insee, verified.sequence, verified.part)
        if existing is not None:
            if existing["tag_digest"] != tag_digest:
                raise conflict(label, verified, "a déjà été reçu avec un autre contenu")
            store.note_received_file(sha256, insee, verified.sequence, verified.part, label, at)
            return False, ""
        digest = check_chain(store, label, verified, tag_digest)
        cahiers = [
            {**c, "title": cleaned(c["title"]), "notes": cleaned(c.get("notes"))}
            for c in read_cahiers(bag, label)
        ]
        scans = [
            p.removeprefix("data/")
            for p in bag.payload
            if p.startswith((f"data/{SCANS}", f"data/{MASKED_SCANS}"))
        ]
        archived = self._archive(path, insee, sha256)
        store.note_commune(insee, cleaned(verified.commune[:200]))
        if store.sequence(insee, verified.sequence) is None:
            store.insert_sequence(
                {
                    "insee": insee, "sequence": verified.sequence, "parts": verified.parts,
                    "previous_digest": verified.previous_digest,
                    "state": json.dumps(verified.state, sort_keys=True),
                    "full": int(verified.full), "key_id": verified.key_id, "first_received_at": at,
                }
            )  # fmt: skip
        store.insert_part(
            {
                "insee": insee, "sequence": verified.sequence, "part": verified.part,
                "tag_digest": tag_digest, "file_sha256": sha256, "file_name": label,
                "archived_as": archived, "contributions": records.contributions,
                "tombstones": records.tombstones, "received_at": at,
            }
        )  # fmt: skip
        store.note_received_file(sha256, insee, verified.sequence, verified.part, label, at)
        store.upsert_contributions(records.rows)
        store.upsert_cahiers(insee, verified.sequence, cahiers)
        store.note_scans(insee, scans, sha256)
        if digest:
            store.set_sequence_digest(insee, verified.sequence, digest)
        if verified.pages_to_type is not None:
            store.note_pages_to_type(insee, verified.sequence, verified.pages_to_type)
        mismatch = check_state(store, insee, at)
        if mismatch:
            self.mismatches.append(mismatch)
        store.journal(
            at, current_actor(), "receive",
            {"file": label, "sha256": sha256, "insee": insee, "sequence": verified.sequence,
             "part": verified.part, "contributions": records.contributions, "tombstones": records.tombstones},
        )  # fmt: skip
        return True, mismatch["message"] if mismatch else ""

    def _keep(self, path: Path, label: str, sha256: str, exc: MairieError, context: dict[str, Any]) -> None:
        put_in_quarantine(self.association, path, label, sha256, exc, context)

    @staticmethod
    def _outcome(label: str, status: Receipt, verified: VerifiedBundle, message: str) -> Outcome:
        return Outcome(
            label, status, insee=verified.insee, commune=verified.commune or None,
            sequence=verified.sequence, part=verified.part, parts=verified.parts, message=message,
        )  # fmt: skip


def _read_records(bag: OpenedBag, label: str, insee: str, sequence: int) -> _Records:
    """Every record of the bag, checked, as rows for the merge (nothing written yet)."""
    rows: list[dict[str, Any]] = []
    counts = [0, 0]
    for record, digest in read_records(bag, label):
        counts[record["deleted_at"] is not None] += 1
        scan = record["scan"] or {}
        rows.append({
            "insee": insee, "uuid": record["uuid"], "version": record["version"], "digest": digest,
            "cahier_id": record["cahier"], "position": record["position"], "page_number": record["page"],
            "written_on": record["date"], "nature": record["nature"], "text": cleaned(record["text"]),
            "author": cleaned(record["author"]), "source": record["source"], "scan_file": scan.get("file"),
            "scan_page": scan.get("page"), "created_at": record["created_at"],
            "updated_at": record["updated_at"], "deleted_at": record["deleted_at"], "sequence": sequence,
            "note": cleaned(record.get("note")),
        })  # fmt: skip
    return _Records(rows, counts[0], counts[1])
