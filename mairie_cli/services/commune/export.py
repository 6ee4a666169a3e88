"""Exporting signed (and encrypted) bundles for the departmental association.

Each export has a sequence number and is chained to the previous one by its digest. It is
made of one or more parts, each a ZIP holding a complete BagIt bag signed by the commune, so
that a lost email loses only its part. Files are written under a temporary name, synced,
then renamed; the ledger is updated only once every file is in place, so an interrupted
export is simply done again under the same number. What a bag holds is ``bundle``'s business.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import BagWriter
from mairie_cli.bundle.format import CAHIERS, DEFAULT_MAX_SIZE, MASKING, STATE, Header, bundle_name
from mairie_cli.bundle.format import parse_size as parse_size  # what --taille-max accepts
from mairie_cli.bundle.parts import TAG_FILES, PartBuilder
from mairie_cli.bundle.records import StateSummary
from mairie_cli.bundle.seal import ExportedFile, Sealer, copy_verified, require_folder, seal_parts
from mairie_cli.clock import now_iso
from mairie_cli.errors import KeyProblem
from mairie_cli.models import PageStatus
from mairie_cli.privacy.detect import KINDS
from mairie_cli.privacy.findings import rules_digest
from mairie_cli.privacy.masking import Choices
from mairie_cli.services.commune.export_lines import Lines, Setup, stream
from mairie_cli.services.commune.keys import CommuneKeys, publish_public_key, recipients
from mairie_cli.services.commune.privacy import privacy_choices
from mairie_cli.services.commune.register import Register
from mairie_cli.services.commune.scans import PageMasker, ScanIndex
from mairie_cli.storage.database import transaction

Progress = Callable[[int, int], None]
KEY_DELIVERED = "cle_publique_remise"  # the key id last copied beside a bundle


@dataclass
class ExportResult:
    """What ``export_bundle`` produced (``sequence`` is None when there was nothing new)."""

    sequence: int | None
    contributions: int = 0
    tombstones: int = 0
    encrypted: bool = False
    digest: str = ""
    files: list[ExportedFile] = field(default_factory=list)
    copied_to: Path | None = None
    last_sequence: int | None = None
    masked: dict[str, int] = field(default_factory=dict)  # kind -> spans masked
    pages_left_out: int = 0  # handwritten pages not joined (nothing could be blacked out on them)
    pages_to_type: int = 0  # handwritten pages scanned and not typed yet: not in this bundle
    key_copied: Path | None = None  # the commune's public key, copied beside the first bundle

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence, "contributions": self.contributions,
            "tombstones": self.tombstones, "encrypted": self.encrypted, "digest": self.digest,
            "files": [f.to_dict() for f in self.files],
            "copied_to": str(self.copied_to) if self.copied_to else None, "masked": self.masked,
            "pages_left_out": self.pages_left_out, "pages_to_type": self.pages_to_type,
            "key_copied": str(self.key_copied) if self.key_copied else None,
        }  # fmt: skip


@dataclass
class _Written:
    """The parts of an export, filled and closed, and what went into them."""

    parts: list[BagWriter]
    summary: StateSummary
    counts: Counter[str] = field(default_factory=Counter)  # contributions, tombstones
    masked: Counter[str] = field(default_factory=Counter)  # kind -> spans masked
    pages_left_out: int = 0


def export_bundle(
    register: Register,
    *,
    destination: Path | None = None,
    full: bool = False,
    max_size: int = DEFAULT_MAX_SIZE,
    encrypt: bool = True,
    with_scans: bool = False,
    with_handwritten: bool = False,
    mask: bool = True,
    progress: Progress | None = None,
) -> ExportResult:
    """Export what changed since the last export (everything with ``full``).

    Writes the parts into the workspace's ``exports/``; with ``destination`` (a USB stick),
    also copies them there and reads them back to compare their digests. With ``with_scans``,
    the scanned pages the exported entries come from travel too (masked copies). Without
    ``mask``, texts leave as written (for measurements only: never what a commune sends).
    """
    store = register.exports
    keys = CommuneKeys.of(register.workspace)
    keys.require(register.commune.insee)
    public = keys.public_key()
    targets = recipients(store) if encrypt else []
    if encrypt and not targets:
        raise KeyProblem(
            "La clé de chiffrement de l'association n'est pas configurée : demandez-la à "
            "l'association puis tapez « mairie config destinataire age1… ». Pour un export non "
            "chiffré (à éviter : il contient les contributions en clair), ajoutez --sans-chiffrement."
        )
    if destination is not None:
        require_folder(destination)
    last = store.last_export()
    total = store.count_pending(full)
    if total == 0:
        return ExportResult(sequence=None, last_sequence=last["sequence"] if last else None)
    sequence = last["sequence"] + 1 if last else 1
    exports_dir = register.workspace.exports_dir
    exports_dir.mkdir(parents=True, exist_ok=True)
    for stale in exports_dir.glob(".export-*"):  # left by an export killed mid-way
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=".export-", dir=exports_dir) as work:
        writer = _PartsWriter(register, keys, Path(work), sequence, max_size)
        written = writer.write(full, mask, with_scans, with_handwritten, progress)
        header = Header(
            sender=register.commune.insee, commune=register.commune.name or "", sequence=sequence,
            part=1, parts=len(written.parts), previous_digest=last["digest"] if last else "aucun",
            key_id=public.key_id, full=full, state_digest=f"sha256:{written.summary.digest}",
            masked=", ".join(f"{k}={written.masked[k]}" for k in KINDS) if mask else "non",
            # Handwritten pages scanned but not typed yet: what the synthesis cannot count.
            pages_to_type=int(register.pages.counts().get(PageStatus.HANDWRITTEN.value, 0)),
        )  # fmt: skip
        sealer = _sealer(register, keys, targets)
        files, digest = _seal_and_keep(register, sealer, written.parts, header, Path(work), max_size)
    copied_to = copy_verified(destination, files) if destination is not None else None
    key_copied = _copy_key(register, destination) if destination is not None else None
    with transaction(register.db):
        store.record_export(
            {
                "sequence": sequence, "created_at": now_iso(), "digest": digest,
                "previous_digest": last["digest"] if last else None, "full": full,
                "encrypted": bool(targets), "contributions": written.counts["contributions"],
                "tombstones": written.counts["tombstones"], "files": [f.to_dict() for f in files],
            }
        )  # fmt: skip
    return ExportResult(
        sequence=sequence, contributions=written.counts["contributions"],
        tombstones=written.counts["tombstones"], encrypted=bool(targets), digest=digest, files=files,
        copied_to=copied_to, masked={k: written.masked[k] for k in KINDS if written.masked[k]},
        pages_left_out=written.pages_left_out, pages_to_type=header.pages_to_type or 0, key_copied=key_copied,
    )  # fmt: skip


class _PartsWriter:
    """Fills the parts of one export with its records (and scans), in the temporary folder."""

    def __init__(
        self, register: Register, keys: CommuneKeys, work: Path, sequence: int, max_size: int
    ) -> None:
        self.register = register
        self.keys = keys
        self.work = work
        self.cahiers = json.dumps(
            [c.to_dict() for c in register.cahiers()], ensure_ascii=False, indent=1
        ).encode()
        # The state summary is a few hundred bytes; age adds a header and 16 bytes per 64 KiB.
        overhead = TAG_FILES + len(self.cahiers) + max_size // 1000
        self.builder = PartBuilder(
            work, bundle_name(register.commune.insee, sequence, 1, 1), max_size - overhead
        )

    def write(
        self, full: bool, mask: bool, with_scans: bool, with_handwritten: bool,
        progress: Progress | None,
    ) -> _Written:  # fmt: skip
        store = self.register.exports
        choices = privacy_choices(self.register) if mask else None
        store.start_digests()
        masker = (
            PageMasker(self.register, self.work, choices, with_handwritten)
            if choices is not None and with_scans
            else None
        )
        try:
            counts, masked = self._fill(store.pending_ids(full), choices, with_scans, masker, progress)
            summary = StateSummary.of_digests(store.state_digests())
            state = json.dumps(summary.to_dict(), ensure_ascii=False, indent=1).encode()
            masking = json.dumps(
                {"masque": mask, "nombre": {k: masked[k] for k in KINDS}}, ensure_ascii=False, indent=1
            ).encode()
            parts = self.builder.close({CAHIERS: self.cahiers, MASKING: masking, STATE: state})
        except BaseException:
            self.builder.abort()
            raise
        return _Written(parts, summary, counts, masked, masker.left_out if masker else 0)

    def _fill(
        self, ids: list[int], choices: Choices | None, with_scans: bool, masker: PageMasker | None,
        progress: Progress | None,
    ) -> tuple[Counter[str], Counter[str]]:  # fmt: skip
        register = self.register
        store, privacy = register.exports, register.privacy
        setup = Setup(register.workspace.db_path, register.workspace.root, self.keys.pseudonym_key(), choices)
        scans = ScanIndex(register.workspace.root, register.pages)
        counts: Counter[str] = Counter()
        masked: Counter[str] = Counter()
        rules = rules_digest()
        privacy.start_fresh_findings()
        for lines in stream(setup, ids, register.db):
            masked.update(lines.masked)
            privacy.note_fresh_findings(
                [(uuid, version, rules, key, spans) for uuid, version, key, spans in lines.examined]
            )
            if with_scans:
                self._add_with_scans(lines, scans, masker)
            else:
                self.builder.add_lines(lines.uuids, lines.json, lines.csv)
            digests = list(
                zip(lines.uuids, lines.versions, lines.digests, map(int, lines.deleted), strict=True)
            )
            store.note_digests(digests)
            gone = sum(lines.deleted)
            counts["tombstones"] += gone
            counts["contributions"] += len(lines.uuids) - gone
            if progress:
                progress(counts.total(), len(ids))
        return counts, masked  # what was examined is kept while the parts are sealed

    def _add_with_scans(self, lines: Lines, scans: ScanIndex, masker: PageMasker | None) -> None:
        for index, uuid in enumerate(lines.uuids):
            image = None
            page_id = lines.page_ids[index]
            if not lines.deleted[index] and (scan := scans.of(page_id)):
                image = masker.image(page_id, scan) if masker else (scan[0], scan[2])
            self.builder.add_line(uuid, lines.json[index], lines.csv[index], image)


def _seal_and_keep(
    register: Register, sealer: Sealer, parts: list[BagWriter], header: Header, work: Path, max_size: int
) -> tuple[list[ExportedFile], str]:
    """``seal_parts`` on a second thread while what this export examined is kept, so that it
    is not examined again: SQLite works without holding Python's lock, so both go at once
    (about 0.4 s each for 100,000 texts, at the end of the export, with one core idle).
    The findings are kept even if sealing fails: they hold whatever becomes of the export.
    (Leaving the pool waits for the sealing, whatever happened while keeping.)"""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mairie-seal") as pool:
        sealing = pool.submit(
            seal_parts, parts, header, sealer, work, register.workspace.exports_dir, max_size
        )
        register.privacy.keep_fresh_findings()
    return sealing.result()


def _sealer(register: Register, keys: CommuneKeys, targets: list[str]) -> Sealer:
    commune = register.commune
    return Sealer(
        f"Commune de {commune.name}" if commune.name else f"Commune {commune.insee}", keys.secret,
        keys.public_key().file_text(f"clé publique de la commune {commune.insee}").encode(), targets,
    )  # fmt: skip


def _copy_key(register: Register, destination: Path) -> Path | None:
    """The commune's public key beside its first bundle on a USB stick (and after a new key):
    the association needs it once, to recognise the commune."""
    public = CommuneKeys.of(register.workspace).public_key()
    if register.exports.get_config(KEY_DELIVERED) == public.key_id:
        return None
    published = publish_public_key(register, destination)
    with transaction(register.db):
        register.exports.set_config(KEY_DELIVERED, public.key_id)
    return published.file
