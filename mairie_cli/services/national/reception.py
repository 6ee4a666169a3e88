"""Receiving the departments' bundles at the national federation: verify everything, then
merge in one transaction, or quarantine.

The same guarantees as an association receiving its communes: each file is decrypted and
extracted into a folder of the workspace, its signature and every checksum checked against
the key trusted for its department *before* any content is read; then every line is checked
as the record its commune signed (the federation recomputes the commune's digest) plus its
provenance. A department speaks only for its own communes, and a commune for only one
department: a bundle breaking either rule, signed by a key not trusted for its department,
replayed with another content or out of its chain, is quarantined with its reason and
nothing of it is applied. Contributions are merged by (commune, UUID), the highest version
winning, each keeping its department bundle and its commune bundle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.department import department_lines, read_description, read_theme_decisions
from mairie_cli.bundle.format import DEPARTMENT
from mairie_cli.bundle.records import read_cahiers
from mairie_cli.bundle.verify import VerifiedBundle, check_bag, embedded_key
from mairie_cli.clock import current_actor, now_iso
from mairie_cli.crypto import signing
from mairie_cli.errors import (
    BundleInvalid,
    CommuneClaimed,
    InvalidDepartment,
    MairieError,
    OutsideDepartment,
    SignatureInvalid,
    StateMismatch,
    UntrustedKey,
)
from mairie_cli.insee import department_of, normalize_department
from mairie_cli.services.ledger import check_chain, check_state, conflict
from mairie_cli.services.national.lines import DELETED_AT, Checking, Row
from mairie_cli.services.national.workspace import National
from mairie_cli.services.receiving import (
    BundleReceiver,
    Outcome,
    Progress,
    Receipt,
    ReceptionReport,
    cleaned,
)
from mairie_cli.storage.database import transaction
from mairie_cli.storage.national.store import NationalStore


def receive(
    national: National,
    paths: Iterable[Path],
    *,
    identities: list[Path] | None = None,
    retry_quarantine: bool = False,
    progress: Progress | None = None,
) -> ReceptionReport:
    """Receive department bundles (and folders of them) in any order; each file is applied
    entirely or not at all, so a reception killed midway is simply run again."""
    receiver = _Receiver(national, national.identities(identities))
    try:
        return receiver.receive_all(paths, retry_quarantine, progress)
    finally:
        receiver.checking.close()


class _Receiver(BundleReceiver):
    def __init__(self, national: National, identities: list[object]) -> None:
        super().__init__(national.workspace, national.db, national.store, identities)
        self.national = national
        self.store: NationalStore = national.store
        self.checking = Checking()

    def _receive_bag(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, context: dict[str, Any]
    ) -> Outcome:
        info = bag.info
        if info.get("Mairie-Niveau") != DEPARTMENT:
            raise BundleInvalid(
                f"« {label} » est le paquet d'une commune : il va à l'association de son département, "
                "la fédération ne reçoit que les paquets des départements."
            )
        try:
            department = normalize_department(info.get("Mairie-Departement", ""))
        except InvalidDepartment:
            raise BundleInvalid(f"« {label} » : bag-info.txt ne donne pas de département valide.") from None
        context["department"] = department
        key_id = info.get("Mairie-Key-Id", "")
        key = self.national.trusted_key(department, key_id)
        if key is None:
            raise self._untrusted(label, department, key_id, bag, context)
        verified = check_bag(bag, label, key, read_records=False)
        context.update(sequence=verified.sequence, part=verified.part)
        part = self.checking.part(label, department, verified.sequence)
        for number, raw in department_lines(bag):  # checked and classified while the rest is read
            part.add(number, raw)
        rows = part.rows()
        description = read_description(bag, label, department)
        self._check_communes(label, department, {row[0] for row in rows}, description)
        tombstones = sum(1 for row in rows if row[DELETED_AT] is not None)
        with transaction(self.national.db):
            applied, mismatch = self._apply(path, label, sha256, bag, verified, rows, tombstones, description)
        self._release(sha256)
        if not applied:
            return self._outcome(label, Receipt.DUPLICATE, verified, "déjà reçu (autre copie du même paquet)")
        outcome = self._outcome(label, Receipt.APPLIED, verified, "")
        outcome.contributions, outcome.tombstones = len(rows) - tombstones, tombstones
        if mismatch:
            outcome.code, outcome.message = StateMismatch.code, mismatch
        return outcome

    def _check_communes(
        self, label: str, department: str, sent: set[str], description: dict[str, Any]
    ) -> None:
        """A department speaks for its own communes only, and no other department for them."""
        codes = sent | {c["insee"] for c in description["communes"]}
        codes |= {s["insee"] for s in description["silent"]}
        claimed = self.store.claims(codes, department)
        if claimed:
            first = sorted(claimed)[:5]
            shown = ", ".join(f"{code} (déjà envoyée par le département {claimed[code]})" for code in first)
            raise CommuneClaimed(
                f"« {label} » : le département {department} envoie pour des communes dont un autre "
                f"département a déjà envoyé les contributions : {shown}. Une commune ne relève que "
                "d'un département : rien n'a été appliqué ; appelez les deux associations."
            )
        outside = sorted(code for code in codes if department_of(code) != department)
        if outside:
            raise OutsideDepartment(
                f"« {label} » : le département {department} envoie pour {len(outside)} commune(s) d'un "
                f"autre département ({', '.join(outside[:5])}{'…' if len(outside) > 5 else ''}) : "
                "paquet refusé, rien n'en a été appliqué. Appelez l'association."
            )

    def _apply(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, verified: VerifiedBundle,
        rows: list[Row], tombstones: int, description: dict[str, Any],
    ) -> tuple[bool, str]:  # fmt: skip
        """Write one verified part (inside the caller's transaction). Returns whether it was
        new, and the explanation of a state that differs from what the department signed."""
        department, store, at = verified.insee, self.store, now_iso()
        tag_digest = hashlib.sha256(bag.tagmanifest).hexdigest()
        existing = store.part(department, verified.sequence, verified.part)
        if existing is not None:
            if existing["tag_digest"] != tag_digest:
                raise conflict(label, verified, "a déjà été reçu avec un autre contenu")
            store.note_received_file(sha256, department, verified.sequence, verified.part, label, at)
            return False, ""
        digest = check_chain(store, label, verified, tag_digest)
        archived = self._archive(path, department, sha256)
        store.note_department(department, cleaned(verified.commune[:200]))
        if store.sequence(department, verified.sequence) is None:
            store.insert_sequence(
                {
                    "department": department, "sequence": verified.sequence, "parts": verified.parts,
                    "previous_digest": verified.previous_digest,
                    "state": json.dumps(verified.state, sort_keys=True),
                    "full": int(verified.full), "key_id": verified.key_id, "first_received_at": at,
                }
            )  # fmt: skip
        store.insert_part(
            {
                "department": department, "sequence": verified.sequence, "part": verified.part,
                "tag_digest": tag_digest, "file_sha256": sha256, "file_name": label,
                "archived_as": archived, "contributions": len(rows) - tombstones,
                "tombstones": tombstones, "received_at": at,
            }
        )  # fmt: skip
        store.note_received_file(sha256, department, verified.sequence, verified.part, label, at)
        store.upsert_contributions(rows)
        self._describe(department, verified, bag, label, description)
        if digest:
            store.set_sequence_digest(department, verified.sequence, digest)
        mismatch = check_state(store, department, at, DEPARTMENT, "la fédération")
        if mismatch:
            self.mismatches.append(mismatch)
        store.journal(
            at, current_actor(), "receive",
            {"file": label, "sha256": sha256, "department": department, "sequence": verified.sequence,
             "part": verified.part, "contributions": len(rows) - tombstones, "tombstones": tombstones},
        )  # fmt: skip
        return True, mismatch["message"] if mismatch else ""

    def _describe(
        self, department: str, verified: VerifiedBundle, bag: OpenedBag, label: str,
        description: dict[str, Any],
    ) -> None:  # fmt: skip
        """What the department says beside its records: its communes, coverage, cahiers, themes."""
        store, sequence = self.store, verified.sequence
        communes = [
            {
                "insee": c["insee"], "name": cleaned(c["name"]), "population": c["population"],
                "listed": c["listed"], "heard": bool(c["bundles"]), "state": c["state"],
                "keys": c["keys"], "bundles": c["bundles"],
            }
            for c in description["communes"]
        ] + [
            {
                "insee": s["insee"], "name": cleaned(s["name"]), "population": s["population"],
                "listed": True, "heard": False, "state": None, "keys": [], "bundles": [],
            }
            for s in description["silent"]
        ]  # fmt: skip
        store.replace_communes(department, sequence, communes)
        store.describe_department(department, sequence, description["coverage"], verified.pages_to_type)
        cahiers = [
            {**c, "title": cleaned(c["title"]), "notes": cleaned(c.get("notes"))}
            for c in read_cahiers(bag, label)
            if isinstance(c.get("insee"), str) and department_of(c["insee"]) == department
        ]
        store.upsert_cahiers(sequence, cahiers)
        store.upsert_theme_overrides(
            department,
            [t for t in read_theme_decisions(bag, label) if department_of(t["insee"]) == department],
        )

    # -- archive and quarantine ----------------------------------------------------------

    def _untrusted(
        self, label: str, department: str, key_id: str, bag: OpenedBag, context: dict[str, Any]
    ) -> MairieError:
        """Why a bag signed by a key not trusted for its department is refused, with the key it
        carries written beside the quarantine, ready to be trusted after a phone call."""
        carried = embedded_key(bag)
        if carried is None or carried.key_id != key_id:
            return UntrustedKey(
                f"« {label} » est signé par une clé inconnue (identifiant {key_id or '?'}) pour le "
                f"département {department} : demandez à l'association le fichier "
                f"association-{department}.pub (mairie asso cle)."
            )
        try:
            signing.verify(carried, bag.tagmanifest, bag.signature)
        except SignatureInvalid:
            return SignatureInvalid(
                f"« {label} » : la signature ne correspond pas au contenu. Ne l'utilisez pas."
            )
        workspace = self.national.workspace
        key_file = workspace.quarantine_dir / f"association-{department}-{carried.key_id}.pub"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(
            carried.file_text(f"clé présentée pour le département {department}"), encoding="utf-8"
        )
        context["key_file"] = key_file.relative_to(workspace.root).as_posix()
        trusted = self.store.trusted_keys(department)
        prints = ", ".join(k["fingerprint"] for k in trusted)
        known = (
            f"La clé reconnue pour ce département a une autre empreinte ({prints}) : paquet peut-être "
            "falsifié, ou clé changée. "
            if trusted
            else "Aucune clé n'est encore reconnue pour ce département. "
        )
        return UntrustedKey(
            f"« {label} » se dit du département {department}, signé par une clé d'empreinte "
            f"{carried.fingerprint}. {known}Si l'association lit la même empreinte (« mairie asso cle » "
            f"chez elle) : mairie national confiance ajouter « {key_file} » --departement {department}, "
            "puis mairie national recevoir --quarantaine."
        )

    @staticmethod
    def _outcome(label: str, status: Receipt, verified: VerifiedBundle, message: str) -> Outcome:
        return Outcome(
            label, status, department=verified.insee, commune=verified.commune or None,
            sequence=verified.sequence, part=verified.part, parts=verified.parts, message=message,
        )  # fmt: skip
