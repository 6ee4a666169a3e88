"""The department's bundle for the national federation (``mairie asso exporter``).

What the association merged goes up one level with the guarantees a commune's bundle has:
the records the communes signed, unchanged, each with its commune and the commune's bundle
it came in; the cahiers; per commune, the bundles received (number and digest) and the key
that signed them; the coverage; the association's own theme decisions. Numbered and chained
by digest, cut into parts, signed with the association's key, encrypted to the federation,
written under a temporary name then renamed, copied to a USB stick and read back. The ledger
is written only once every file is in place: an interrupted export is done again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mairie_cli.bundle.department import (
    DEPARTMENT_CSV_HEADER,
    department_csv_row,
    department_record,
    from_commune,
)
from mairie_cli.bundle.format import CAHIERS, COMMUNES, DEFAULT_MAX_SIZE, DEPARTMENT, STATE, THEMES, Header
from mairie_cli.bundle.parts import TAG_FILES, PartBuilder
from mairie_cli.bundle.records import StateSummary, canonical_json, record_digest
from mairie_cli.bundle.seal import ExportedFile, Sealer, copy_verified, require_folder, seal_parts
from mairie_cli.clock import current_actor, now_iso
from mairie_cli.errors import ExportFailed, KeyProblem
from mairie_cli.services.association.workspace import Association, signing_key_comment
from mairie_cli.storage.association.exports import DepartmentExportStore
from mairie_cli.storage.association.store import CONTRIBUTION_FIELDS
from mairie_cli.storage.database import transaction


@dataclass
class DepartmentExport:
    """What ``export_department`` produced (``sequence`` is None when there was nothing new)."""

    sequence: int | None
    contributions: int = 0
    tombstones: int = 0
    communes: int = 0
    encrypted: bool = False
    digest: str = ""
    files: list[ExportedFile] = field(default_factory=list)
    copied_to: Path | None = None
    last_sequence: int | None = None
    key_file: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence, "contributions": self.contributions,
            "tombstones": self.tombstones, "communes": self.communes, "encrypted": self.encrypted,
            "digest": self.digest, "files": [f.to_dict() for f in self.files],
            "copied_to": str(self.copied_to) if self.copied_to else None,
            "last_sequence": self.last_sequence,
        }  # fmt: skip


def export_department(
    association: Association,
    *,
    destination: Path | None = None,
    full: bool = False,
    max_size: int = DEFAULT_MAX_SIZE,
    encrypt: bool = True,
) -> DepartmentExport:
    """Export what changed since the last export to the federation (everything with ``full``)."""
    public = association.signing_key()  # stops with the remedy if it is missing
    recipients = association.national_recipients() if encrypt else []
    if encrypt and not recipients:
        raise KeyProblem(
            "La clé de chiffrement de la fédération nationale n'est pas configurée : demandez-la puis "
            "tapez « mairie asso config destinataire age1… ». Pour un export non chiffré (à éviter : "
            "il contient les contributions en clair), ajoutez --sans-chiffrement."
        )
    if destination is not None:
        require_folder(destination)
    store = DepartmentExportStore(association.db)
    last = store.last_export()
    if store.count_pending(full) == 0:
        return DepartmentExport(None, last_sequence=last["sequence"] if last else None)
    sequence = last["sequence"] + 1 if last else 1
    folder = association.workspace.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".export-*"):  # left by an export killed mid-way
        shutil.rmtree(stale, ignore_errors=True)
    header = Header(
        sender=association.department, commune=association.name, sequence=sequence, part=1, parts=1,
        previous_digest=last["digest"] if last else "aucun", key_id=public.key_id,
        full=full, state_digest="", masked="par les communes",
        pages_to_type=association.synthesis.pages_to_type(), level=DEPARTMENT,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix=".export-", dir=folder) as work:
        key_file = public.file_text(signing_key_comment(association.department)).encode()
        sealer = Sealer(association.name, association.signing_secret, key_file, recipients)
        files, digest, counts = _write(association, store, header, sealer, Path(work), max_size)
    copied_to = copy_verified(destination, files) if destination is not None else None
    copied_key = association.publish_signing_key(destination) if destination is not None else None
    with transaction(association.db):
        store.record_export(
            {
                "sequence": sequence, "created_at": now_iso(), "digest": digest,
                "previous_digest": last["digest"] if last else None, "full": full,
                "encrypted": bool(recipients), "contributions": counts["contributions"],
                "tombstones": counts["tombstones"], "files": [f.to_dict() for f in files],
            }
        )  # fmt: skip
        association.store.journal(
            now_iso(), current_actor(), "department-export",
            {"sequence": sequence, "digest": digest, "contributions": counts["contributions"]},
        )  # fmt: skip
    return DepartmentExport(
        sequence, counts["contributions"], counts["tombstones"], counts["communes"], bool(recipients),
        digest, files, copied_to, sequence, copied_key,
    )  # fmt: skip


def _write(
    association: Association, store: DepartmentExportStore, header: Header, sealer: Sealer,
    work: Path, max_size: int,
) -> tuple[list[ExportedFile], str, Counter[str]]:  # fmt: skip
    """Fill the parts, then seal them into ``exports/``."""
    described = _descriptions(association, store)
    budget = max_size - TAG_FILES - sum(len(d) for d in described.values()) - max_size // 1000
    if budget < max_size // 4:
        raise ExportFailed(
            "La description des communes et des cahiers prend à elle seule presque toute la taille "
            "d'un fichier : relancez avec une --taille-max plus grande."
        )
    builder = PartBuilder(work, header.file_name(), budget, DEPARTMENT_CSV_HEADER, department_csv_row)
    try:
        counts, summary = _fill(store, builder, header.full)
        state = json.dumps(summary.to_dict(), ensure_ascii=False, indent=1).encode()
        parts = builder.close({**described, STATE: state})
    except BaseException:
        builder.abort()
        raise
    sealed = replace(header, state_digest=f"sha256:{summary.digest}")
    files, digest = seal_parts(parts, sealed, sealer, work, association.workspace.exports_dir, max_size)
    return files, digest, counts


def _fill(
    store: DepartmentExportStore, builder: PartBuilder, full: bool
) -> tuple[Counter[str], StateSummary]:
    """Every record to send into the parts; each must be what its commune signed."""
    store.start_digests()
    counts: Counter[str] = Counter()
    communes: set[str] = set()
    digests: list[tuple[str, str, int, str, str, int]] = []
    for values in store.pending(full):
        row = dict(zip(CONTRIBUTION_FIELDS, values, strict=True))
        record = department_record(row)
        signed = record_digest(from_commune(record))
        if signed != row["digest"]:
            raise ExportFailed(
                f"La contribution {row['uuid'][:8]} de la commune {row['insee']} ne correspond plus à "
                "ce que la commune a signé : la base de l'association a été modifiée hors de mairie. "
                "Restaurez la dernière sauvegarde (mairie asso restaurer) avant d'exporter."
            )
        line = canonical_json(record).encode()
        builder.add(record, line)
        deleted = row["deleted_at"] is not None
        line_digest = hashlib.sha256(line).hexdigest()
        digests.append((row["insee"], row["uuid"], row["version"], signed, line_digest, int(deleted)))
        counts["tombstones" if deleted else "contributions"] += 1
        communes.add(row["insee"])
        if len(digests) >= 1000:
            store.note_digests(digests)
            digests = []
    store.note_digests(digests)
    counts["communes"] = len(communes)
    return counts, StateSummary.of_digests(store.state_digests())


def _descriptions(association: Association, store: DepartmentExportStore) -> dict[str, bytes]:
    """The files beside the records: cahiers, communes (provenance and coverage), themes."""
    status = association.status()
    bundles: dict[str, list[dict[str, Any]]] = {}
    for bundle in store.received_bundles():
        bundles.setdefault(bundle.pop("insee"), []).append(bundle)
    keys: dict[str, list[dict[str, str]]] = {}
    for key in association.trusted_keys():
        keys.setdefault(key["insee"], []).append({"key_id": key["key_id"], "fingerprint": key["fingerprint"]})
    communes = [
        {
            "insee": c["insee"], "name": c["name"], "population": c["population"], "listed": c["listed"],
            "now_part_of": c["now_part_of"], "contributions": c["contributions"], "state": c["state"],
            "keys": keys.get(c["insee"], []), "bundles": bundles.get(c["insee"], []),
        }
        for c in status["communes"]
    ]  # fmt: skip
    heard = [c for c in communes if c["bundles"]]
    coverage = {
        "listed": status["listed"], "heard": len(heard), "silent": len(status["silent"]),
        "inhabitants_heard": sum(c["population"] or 0 for c in heard),
        "inhabitants_silent": sum(s["population"] or 0 for s in status["silent"]),
        # Handwritten pages the communes have scanned but not typed yet: what nobody can count.
        "pages_to_type": association.synthesis.pages_to_type(),
    }  # fmt: skip
    described = {
        "departement": association.department, "association": association.name,
        "coverage": coverage, "communes": communes, "silent": status["silent"],
    }  # fmt: skip
    return {
        CAHIERS: _json(store.cahiers()),
        COMMUNES: _json(described),
        THEMES: _json({"corrections": store.theme_overrides()}),
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode()
