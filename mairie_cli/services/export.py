"""Exporting signed (and encrypted) bundles for the departmental association.

Each export has a sequence number and is chained to the previous one by its digest. It is
made of one or more parts, each a ZIP holding a complete BagIt bag signed by the commune, so
that a lost email loses only its part. Files are written under a temporary name, synced,
then renamed; the ledger is updated only once every file is in place, so an interrupted
export is simply done again under the same number.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mairie_cli import __version__
from mairie_cli.bundle.bag import KEY_FILE, BagWriter
from mairie_cli.bundle.records import (
    CSV_HEADER,
    Pseudonyms,
    StateSummary,
    canonical_json,
    csv_line,
    csv_row,
    export_record,
)
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import encrypt_file
from mairie_cli.errors import CopyMismatch, ExportFailed, KeyProblem, PartTooLarge
from mairie_cli.files import copy_durably, place_durably, sha256_file
from mairie_cli.models import Contribution
from mairie_cli.privacy.detect import KINDS
from mairie_cli.privacy.masking import Choices, mask_stream
from mairie_cli.services.keys import CommuneKeys, recipients
from mairie_cli.services.privacy import privacy_choices
from mairie_cli.services.register import Register, now_iso
from mairie_cli.storage.database import transaction
from mairie_cli.storage.exports import ExportStore

DEFAULT_MAX_SIZE = 10 * 1024**2
FAT32_MAX = 4 * 1024**3 - 1
#: Room kept in each part for the tag files (the cahiers and state summary are added to it).
_TAG_FILES = 8 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmgt]?)(?:i?o|i?b)?\s*$", re.IGNORECASE)

Progress = Callable[[int, int], None]


@dataclass
class ExportedFile:
    """One part, as written."""

    name: str
    part: int
    size: int
    sha256: str
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "part": self.part, "size": self.size, "sha256": self.sha256}


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence, "contributions": self.contributions,
            "tombstones": self.tombstones, "encrypted": self.encrypted, "digest": self.digest,
            "files": [f.to_dict() for f in self.files],
            "copied_to": str(self.copied_to) if self.copied_to else None, "masked": self.masked,
            "pages_left_out": self.pages_left_out,
        }  # fmt: skip


def parse_size(text: str) -> int:
    """« 10M », « 500K », « 2G », « 10 Mo » → bytes (K, M, G are powers of 1024)."""
    match = _SIZE.match(text)
    if not match:
        raise ExportFailed(f"La taille « {text} » n'est pas comprise : écrivez par exemple 10M ou 500K.")
    value = float(match[1].replace(",", "."))
    size = int(value * 1024 ** "_kmgt".index(match[2].lower() or "_"))
    if size < 32 * 1024:
        raise ExportFailed("La taille maximale d'un fichier doit être d'au moins 32K.")
    if size > FAT32_MAX:
        raise ExportFailed(
            "La taille maximale d'un fichier ne peut dépasser 4G : les clés USB (FAT32) n'acceptent "
            "pas de fichier plus gros."
        )
    return size


def bundle_name(insee: str, sequence: int, part: int, parts: int) -> str:
    """``doleances-01001-000003`` or ``doleances-01001-000003-2de3`` (ASCII: safe on FAT32)."""
    base = f"doleances-{insee}-{sequence:06d}"
    return base if parts == 1 else f"{base}-{part}de{parts}"


def export_bundle(
    register: Register,
    *,
    destination: Path | None = None,
    full: bool = False,
    max_size: int = DEFAULT_MAX_SIZE,
    encrypt: bool = True,
    with_scans: bool = False,
    with_handwritten: bool = False,
    redact: bool = True,
    progress: Progress | None = None,
) -> ExportResult:
    """Export what changed since the last export (everything with ``full``).

    Writes the parts into the workspace's ``exports/``; with ``destination`` (a USB stick),
    also copies them there and reads them back to compare their digests. With ``with_scans``,
    the scanned originals the exported entries come from travel too, byte for byte.
    """
    store = ExportStore(register.db)
    keys = CommuneKeys.of(register.workspace)
    keys.ensure(register.commune.insee)
    public = keys.public_key()
    targets = recipients(store) if encrypt else []
    if encrypt and not targets:
        raise KeyProblem(
            "La clé de chiffrement de l'association n'est pas configurée : demandez-la à "
            "l'association puis tapez « mairie config destinataire age1… ». Pour un export non "
            "chiffré (à éviter : il contient les contributions en clair), ajoutez --sans-chiffrement."
        )
    if destination is not None and not destination.is_dir():
        raise ExportFailed(f"Le dossier « {destination} » n'existe pas : la clé USB est-elle branchée ?")
    last = store.last_export()
    total = store.count_pending(full)
    if total == 0:
        return ExportResult(sequence=None, last_sequence=last["sequence"] if last else None)
    sequence = last["sequence"] + 1 if last else 1
    commune = register.commune
    exports_dir = register.workspace.exports_dir
    exports_dir.mkdir(parents=True, exist_ok=True)
    for stale in exports_dir.glob(".export-*"):  # left by an export killed mid-way
        shutil.rmtree(stale, ignore_errors=True)
    pseudonym = Pseudonyms(keys.pseudonym_key())
    scans = _ScanIndex(register)
    cahiers = json.dumps([c.to_dict() for c in register.cahiers()], ensure_ascii=False, indent=1).encode()
    store.start_digests()

    with tempfile.TemporaryDirectory(prefix=".export-", dir=exports_dir) as work:
        # The state summary is a few hundred bytes; age adds a header and 16 bytes per 64 KiB.
        overhead = _TAG_FILES + len(cahiers) + max_size // 1000
        builder = _PartBuilder(Path(work), commune.insee, sequence, max_size - overhead)
        counts = {"contributions": 0, "tombstones": 0}
        masked_counts: Counter[str] = Counter()
        digests: list[tuple[str, int, str, int]] = []
        choices = privacy_choices(register) if redact else None
        redactor = (
            _Redactor(register, Path(work), choices, with_handwritten)
            if choices is not None and with_scans
            else None
        )
        try:
            for contribution, text, found in _masked(store.pending(full), choices, total):
                masked_counts.update(found)
                scan = scans.of(contribution.page_id)
                record = export_record(contribution, pseudonym, scan[:2] if scan else None, text)
                line = canonical_json(record)
                image = None
                if scan and with_scans and not contribution.deleted:
                    image = redactor.image(contribution.page_id, scan) if redactor else (scan[0], scan[2])
                builder.add(record, line, image)
                digests.append(
                    (contribution.uuid, contribution.version,
                     hashlib.sha256(line.encode()).hexdigest(), int(contribution.deleted))
                )  # fmt: skip
                counts["tombstones" if contribution.deleted else "contributions"] += 1
                if len(digests) >= 1000:
                    store.note_digests(digests)
                    digests = []
                    if progress:
                        progress(counts["contributions"] + counts["tombstones"], total)
            store.note_digests(digests)
            summary = StateSummary.of_digests(store.state_digests())
            state = json.dumps(summary.to_dict(), ensure_ascii=False, indent=1).encode()
            masking = json.dumps(
                {"masque": redact, "nombre": {k: masked_counts[k] for k in KINDS}},
                ensure_ascii=False,
                indent=1,
            ).encode()
            parts = builder.close(cahiers, state, masking)
        except BaseException:
            builder.abort()
            raise

        bag_info_common = [
            (
                "Source-Organization",
                f"Commune de {commune.name}" if commune.name else f"Commune {commune.insee}",
            ),
            ("Bagging-Date", date.today().isoformat()),
            ("Bag-Software-Agent", f"mairie {__version__}"),
            ("Mairie-INSEE", commune.insee),
            ("Mairie-Commune", commune.name or ""),
            ("Mairie-Sequence", str(sequence)),
            ("Mairie-Previous-Bundle-Digest", last["digest"] if last else "aucun"),
            ("Mairie-Key-Id", public.key_id),
            ("Mairie-Export", "complet" if full else "modifications"),
            ("Mairie-State-Digest", f"sha256:{summary.digest}"),
            ("Mairie-Masked", ", ".join(f"{k}={masked_counts[k]}" for k in KINDS) if redact else "non"),
            # Handwritten pages scanned but not typed yet: what the synthesis cannot count.
            ("Mairie-Pages-To-Type", str(_pages_to_type(register))),
        ]
        key_file = public.file_text(f"clé publique de la commune {commune.insee}").encode()
        tag_digests: list[str] = []
        files: list[ExportedFile] = []
        for index, part in enumerate(parts, start=1):
            name = bundle_name(commune.insee, sequence, index, len(parts))
            info = [
                ("External-Identifier", name),
                *bag_info_common,
                ("Mairie-Part", f"{index}/{len(parts)}"),
            ]
            comment = f"mairie commune={commune.insee} sequence={sequence} partie={index}/{len(parts)}"
            tagmanifest = part.finish(info, _signer(keys.secret, comment), {KEY_FILE: key_file})
            tag_digests.append(hashlib.sha256(tagmanifest).hexdigest())
            final = exports_dir / (name + (".zip.age" if targets else ".zip"))
            sealed = Path(work) / final.name
            if targets:
                encrypt_file(part.zip_path, sealed, targets)
            else:
                shutil.move(part.zip_path, sealed)
            size = sealed.stat().st_size
            if size > max_size:
                raise PartTooLarge(
                    f"La partie {index} fait {size} octets, plus que la limite de {max_size} : "
                    "relancez avec une --taille-max plus grande."
                )
            place_durably(sealed, final)
            files.append(ExportedFile(final.name, index, size, sha256_file(final), final))
        digest = "sha256:" + hashlib.sha256("\n".join(tag_digests).encode()).hexdigest()

    copied_to = None
    if destination is not None:
        for exported_file in files:
            copied = destination / exported_file.name
            copy_durably(exported_file.path, copied)
            if sha256_file(copied) != exported_file.sha256:
                raise CopyMismatch(
                    f"La copie de « {exported_file.name} » sur « {destination} » est différente de "
                    "l'original : la clé USB est peut-être défectueuse. Ne la retirez pas, "
                    "recommencez l'export ou utilisez une autre clé."
                )
        copied_to = destination

    with transaction(register.db):
        store.record_export(
            {
                "sequence": sequence, "created_at": now_iso(), "digest": digest,
                "previous_digest": last["digest"] if last else None, "full": full,
                "encrypted": bool(targets), "contributions": counts["contributions"],
                "tombstones": counts["tombstones"], "files": [f.to_dict() for f in files],
            }
        )  # fmt: skip
    return ExportResult(
        sequence=sequence, contributions=counts["contributions"], tombstones=counts["tombstones"],
        encrypted=bool(targets), digest=digest, files=files, copied_to=copied_to,
        masked={k: masked_counts[k] for k in KINDS if masked_counts[k]},
        pages_left_out=redactor.left_out if redactor else 0,
    )  # fmt: skip


def _masked(
    contributions: Iterator[Contribution], choices: Choices | None, total: int
) -> Iterator[tuple[Contribution, str | None, Counter[str]]]:
    """Each contribution with its text as it leaves the commune, and what was masked in it."""
    if choices is None:
        for contribution in contributions:
            yield contribution, None, Counter()
        return
    yield from mask_stream(
        contributions, lambda c: (c.uuid, None if c.deleted else c.text), choices=choices, total=total
    )


def _pages_to_type(register: Register) -> int:
    from mairie_cli.storage.pages import PageStore

    return int(PageStore(register.db).counts().get("manuscrit", 0))


class _ScanIndex:
    """Which scanned original (file name in a bundle, page number, stored path) a page is."""

    def __init__(self, register: Register) -> None:
        from mairie_cli.storage.pages import PageStore

        self.root = register.workspace.root
        self.store = PageStore(register.db)
        self._known: dict[int, tuple[str, int, Path]] = {}

    def of(self, page_id: int | None) -> tuple[str, int, Path] | None:
        if page_id is None:
            return None
        if page_id not in self._known:
            page = self.store.page(page_id)
            if page is None:
                return None
            stored = self.root / page["stored_path"]
            self._known[page_id] = (f"pages/{stored.name}", page["index"] + 1, stored)
        return self._known[page_id]


class _Redactor:
    """The copy of each scanned page that leaves the commune: personal data blacked out.

    Made once per page, named after the original and the page number
    (``pages-masquees/<sha256>-<page>.png``), so that a record names its page the same way
    whether or not the scans travel.
    """

    def __init__(self, register: Register, folder: Path, choices: Choices, with_handwritten: bool) -> None:
        self.db = register.db
        self.folder = folder / "pages-masquees"
        self.folder.mkdir()
        self.detector = choices.detector()
        self.with_handwritten = with_handwritten
        self.left_out = 0
        self._done: dict[int, tuple[str, Path] | None] = {}

    def image(self, page_id: int | None, scan: tuple[str, int, Path]) -> tuple[str, Path] | None:
        from mairie_cli.ocr.redact import redacted_png
        from mairie_cli.privacy.pages import words_to_mask
        from mairie_cli.storage.pages import PageStore, page_texts

        if page_id is None:
            return None
        if page_id in self._done:
            return self._done[page_id]
        page = PageStore(self.db).page(page_id)
        texts, typed_by_hand = page_texts(self.db, page_id)
        result: tuple[str, Path] | None
        if page is None or not page["words"] or typed_by_hand:
            result = (scan[0], scan[2]) if self.with_handwritten else None
            self.left_out += result is None
        else:
            boxes = [page["words"][i][2:6] for i in words_to_mask(page["words"], texts, self.detector)]
            png = redacted_png(scan[2], page["kind"], page["index"], page["params"], boxes)
            name = f"pages-masquees/{page['sha256']}-{page['index'] + 1}.png"
            path = self.folder / name.rsplit("/", 1)[1]
            path.write_bytes(png)
            result = (name, path)
        self._done[page_id] = result
        return result


def _signer(secret: Path, comment: str) -> Callable[[bytes], bytes]:
    return lambda data: signing.sign(secret, data, comment)


class _PartBuilder:
    """Distributes records over parts so that each finished file stays under the size limit.

    Records go straight into the part's ZIP as JSON Lines while their CSV rows are written
    aside (then copied in). The part is closed when its predicted size — what the ZIP holds
    already, the CSV to come at the JSON's compression rate, and a fixed overhead — would
    pass the limit.
    """

    def __init__(self, folder: Path, insee: str, sequence: int, budget: int) -> None:
        self.folder = folder
        self.insee = insee
        self.sequence = sequence
        self.budget = budget
        self.parts: list[BagWriter] = []
        self._images: set[str] = set()  # scans already placed in a part of this export
        self._finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mairie-export")
        self._closing: list[Future[None]] = []
        self._current: _OpenPart | None = None

    def add(self, record: dict[str, Any], canonical: str, image: tuple[str, Path] | None = None) -> None:
        """Add one record (with its canonical JSON, already made for its digest) and the scan
        it comes from, if it travels and is not in this export yet."""
        line = (canonical + "\n").encode("utf-8")
        row = csv_line(csv_row(record)).encode("utf-8")
        extra = 0
        if image is not None and image[0] not in self._images:
            extra = image[1].stat().st_size
            if extra > self.budget:
                raise PartTooLarge(
                    f"La page scannée « {image[0]} » ({extra} octets) dépasse à elle seule la taille "
                    "maximale d'un fichier : relancez avec une --taille-max plus grande, ou sans "
                    "--avec-scans."
                )
        else:
            image = None
        part = self._current
        if part is not None and part.records and part.predicted(len(line), len(row)) + extra > self.budget:
            self._close_current()
            part = None
        if part is None:
            part = self._open()
        if not part.records and part.predicted(len(line), len(row)) + extra > self.budget:
            raise PartTooLarge(
                f"La contribution {record['uuid'][:8]} dépasse à elle seule la taille maximale "
                "d'un fichier : relancez avec une --taille-max plus grande."
            )
        part.write(line, row)
        if image is not None:
            part.images.append(image)
            part.image_bytes += extra
            self._images.add(image[0])

    def close(self, cahiers: bytes, state: bytes, masking: bytes) -> list[BagWriter]:
        self._close_current()
        self._wait_for_closing()
        self._finisher.shutdown()
        for part in self.parts:
            with part.payload_file("cahiers.json") as out:
                out.write(cahiers)
            with part.payload_file("masquage.json") as out:
                out.write(masking)
            with part.payload_file("etat.json") as out:
                out.write(state)
            part.close_payload()
        return self.parts

    def abort(self) -> None:
        """Close whatever is open after a failure (the temporary folder is then removed)."""
        if self._current is not None:
            self._current.abort()
            self._current = None
        with contextlib.suppress(Exception):
            self._wait_for_closing()
        self._finisher.shutdown()
        for part in self.parts:
            part.abort()

    def _open(self) -> _OpenPart:
        index = len(self.parts) + 1
        bag = BagWriter(
            self.folder / f"partie-{index}.zip", f"doleances-{self.insee}-{self.sequence:06d}-partie-{index}"
        )
        self.parts.append(bag)
        self._current = _OpenPart(bag, self.folder / f"partie-{index}.csv")
        return self._current

    def _close_current(self) -> None:
        # A finished part's CSV is compressed into its ZIP on a second thread while the next
        # part fills: zlib releases Python's lock, so both cores work.
        if self._current is not None:
            self._closing.append(self._finisher.submit(self._current.close))
            self._current = None

    def _wait_for_closing(self) -> None:
        for future in self._closing:
            future.result()
        self._closing = []


class _OpenPart:
    """The part being filled: JSON Lines into its ZIP, CSV rows into a file aside."""

    _CHUNK = 256 * 1024  # lines are handed to the compressor in chunks, not one by one

    def __init__(self, bag: BagWriter, csv_path: Path) -> None:
        self.bag = bag
        self.csv_path = csv_path
        self._entry = bag.payload_file("contributions.jsonl")
        self.jsonl = self._entry.__enter__()
        self.csv = csv_path.open("wb")
        self.csv.write(b"\xef\xbb\xbf" + csv_line(CSV_HEADER).encode("utf-8"))  # BOM: Excel reads UTF-8
        self.records = 0
        self.json_bytes = 0
        self.csv_bytes = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._flushed = 0
        self.images: list[tuple[str, Path]] = []
        self.image_bytes = 0

    def write(self, line: bytes, row: bytes) -> None:
        self._pending.append(line)
        self._pending_bytes += len(line)
        if self._pending_bytes >= self._CHUNK:
            self._flush()
        self.csv.write(row)
        self.json_bytes += len(line)
        self.csv_bytes += len(row)
        self.records += 1

    def _flush(self) -> None:
        self.jsonl.write(b"".join(self._pending))
        self._flushed += self._pending_bytes
        self._pending, self._pending_bytes = [], 0

    def predicted(self, extra_json: int, extra_csv: int) -> int:
        """Predicted size of the part's file once the CSV is added, with one more record."""
        # Until a megabyte has gone through the compressor, its output says little (deflate
        # holds data back): assume no compression, which can only overestimate.
        # The CSV compresses less than the JSON, whose keys repeat on every line: measured on
        # the Grand Débat texts, 1.3 times less; 1.4 is assumed.
        written = self.bag.compressed_size()
        ratio = max(written / self._flushed, 0.3) if self._flushed > 1024**2 else 1.0
        json_part = (self.json_bytes + extra_json) * ratio
        csv_part = (self.csv_bytes + extra_csv) * min(ratio * 1.4, 1.0)
        return int((json_part + csv_part) * 1.02) + self.image_bytes

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._entry.__exit__(None, None, None)
        self.csv.close()

    def close(self) -> None:
        self._flush()
        self._entry.__exit__(None, None, None)
        self.csv.close()
        self.bag.add_payload_copy("contributions.csv", self.csv_path)
        self.csv_path.unlink()
        for name, path in self.images:  # already compressed (PNG, JPEG, PDF): stored as is
            self.bag.add_payload_copy(name, path, compress=False)
