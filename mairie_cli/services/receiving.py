"""What receiving bundles means at any level (an association receiving its communes, the
federation receiving its departments): what became of each file, the files found in folders,
the errors that condemn a bundle, the quarantine where refused files are kept with their reason.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.verify import is_encrypted, opened_bundle
from mairie_cli.clock import current_actor, now_iso
from mairie_cli.errors import (
    BundleInvalid,
    CommuneClaimed,
    DecryptionFailed,
    FileUnreadable,
    KeyProblem,
    MairieError,
    OutsideDepartment,
    SequenceConflict,
    SignatureInvalid,
    UnsafeArchive,
    UntrustedKey,
)
from mairie_cli.files import copy_durably, disk_error, sha256_file
from mairie_cli.models import TextEnum
from mairie_cli.services.ledger import missing_sequences
from mairie_cli.storage.database import transaction
from mairie_cli.storage.receiver import ReceiverStore
from mairie_cli.textnorm import printable, without_controls
from mairie_cli.workspace import AssociationWorkspace

#: Errors that condemn a bundle (it goes to the quarantine); any other stops the reception.
BUNDLE_ERRORS = (
    BundleInvalid, DecryptionFailed, SignatureInvalid, UnsafeArchive, UntrustedKey,
    OutsideDepartment, SequenceConflict, KeyProblem, CommuneClaimed,
)  # fmt: skip

Progress = Callable[[int, int], None]


class Receipt(TextEnum):
    """What became of a file given to the reception."""

    APPLIED = "appliqué"
    DUPLICATE = "doublon"
    QUARANTINED = "quarantaine"
    UNREADABLE = "illisible"


@dataclass
class Outcome:
    """What became of one file."""

    file: str
    status: Receipt
    insee: str | None = None  # the commune that sent it (at the association)
    commune: str | None = None
    department: str | None = None  # the department that sent it (at the federation)
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
    missing: dict[str, list[str]] = field(default_factory=dict)  # sender -> what is still missing
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: Receipt) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [o.to_dict() for o in self.outcomes],
            "applied": self.count(Receipt.APPLIED),
            "duplicates": self.count(Receipt.DUPLICATE),
            "quarantined": self.count(Receipt.QUARANTINED),
            "unreadable": self.count(Receipt.UNREADABLE),
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


def cleaned(text: str | None) -> str | None:
    """Text from a bundle without control characters (a bell, an escape: never on paper), which
    would break the workbook or a terminal; the record's digest is kept as received."""
    return without_controls(text) if text else text


class BundleReceiver:
    """Receiving one file at either level: its digest, a copy already received, the bag opened
    into the workspace's work folder, a refused bag kept in quarantine, an accepted one archived.
    A level says what a verified bag means (``_receive_bag``); the column naming its senders
    (``store.SENDER``) is also the ``Outcome`` field that names them."""

    def __init__(
        self, workspace: AssociationWorkspace, db: sqlite_utils.Database, store: ReceiverStore,
        identities: list[object],
    ) -> None:  # fmt: skip
        self.workspace = workspace
        self.db = db
        self.store = store
        self.identities = identities
        self.mismatches: list[dict[str, Any]] = []

    @property
    def work_folder(self) -> Path:
        """Where bundles are decrypted and extracted: inside the workspace, so that a reception
        killed midway leaves nothing in the system's temporary folder (cleared at the next)."""
        return self.workspace.root / ".reception"

    def clear_work_folder(self) -> None:
        shutil.rmtree(self.work_folder, ignore_errors=True)
        try:
            self.work_folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise disk_error(exc, "créer le dossier de travail de la réception") from None

    def receive_all(
        self, paths: Iterable[Path], retry_quarantine: bool, progress: Progress | None
    ) -> ReceptionReport:
        """Every file given (and folders of them), in any order, with those in quarantine if asked;
        then, for each sender heard from, the bundles still missing in its chain."""
        self.clear_work_folder()
        files: list[tuple[Path, str | None]] = [(path, None) for path in bundle_files(paths)]
        if retry_quarantine:
            root = self.workspace.root
            files += [(root / q["stored_as"], q["file_name"]) for q in self.store.quarantined()]
        report = ReceptionReport()
        touched: set[str] = set()
        for done, (path, label) in enumerate(files, start=1):
            outcome = self.receive_file(path, label)
            report.outcomes.append(outcome)
            sender = getattr(outcome, self.store.SENDER)
            if sender and outcome.status != Receipt.QUARANTINED:
                touched.add(sender)
            if progress:
                progress(done, len(files))
        for sender in sorted(touched):
            if missing := missing_sequences(self.store.sequences(sender)):
                report.missing[sender] = missing
        report.mismatches = self.mismatches
        return report

    def receive_file(self, path: Path, quarantined_as: str | None = None) -> Outcome:
        """Apply one file, or put it in quarantine with its reason; a failure of this computer
        (disk full, no right to write) stops with ``DiskError`` and leaves the file unjudged."""
        label = printable(quarantined_as or path.name)
        try:
            sha256 = sha256_file(path)
        except OSError:
            return Outcome(
                label, Receipt.UNREADABLE, code=FileUnreadable.code, message=f"« {path} » ne se lit pas."
            )
        known = self.store.received_file(sha256)
        if known is not None:
            self._release(sha256)
            return Outcome(
                label, Receipt.DUPLICATE, sequence=known["sequence"], part=known["part"],
                message="déjà reçu : rien n'a changé", **{self.store.SENDER: known[self.store.SENDER]},
            )  # fmt: skip
        context: dict[str, Any] = {}
        try:
            with opened_bundle(path, self.identities, label=label, work_root=self.work_folder) as (bag, _):
                return self._receive_bag(path, label, sha256, bag, context)
        except BUNDLE_ERRORS as exc:
            return self._quarantine(path, label, sha256, exc, context)
        except OSError as exc:  # this computer's disk, not the sender
            raise disk_error(exc, f"recevoir « {label} »") from None
        except (MairieError, sqlite3.Error):
            raise
        except Exception:  # content no check foresaw: the file, not the batch, is refused
            refused = BundleInvalid(
                f"« {label} » a un contenu qu'aucune vérification ne prévoyait : paquet refusé, rien n'en a "
                "été appliqué."
            )
            return self._quarantine(path, label, sha256, refused, context)

    def _receive_bag(
        self, path: Path, label: str, sha256: str, bag: OpenedBag, context: dict[str, Any]
    ) -> Outcome:
        """Check and apply one opened bag (what it means depends on the level)."""
        raise NotImplementedError

    def _keep(self, path: Path, label: str, sha256: str, exc: MairieError, context: dict[str, Any]) -> None:
        with transaction(self.db):
            keep_in_quarantine(self.workspace, self.store, path, label, sha256, exc, context)

    def _quarantine(
        self, path: Path, label: str, sha256: str, exc: MairieError, context: dict[str, Any]
    ) -> Outcome:
        self._keep(path, label, sha256, exc, context)
        outcome = Outcome(
            label, Receipt.QUARANTINED, sequence=context.get("sequence"), part=context.get("part"),
            code=exc.code, message=exc.message,
        )  # fmt: skip
        setattr(outcome, self.store.SENDER, context.get(self.store.SENDER))  # insee or department
        return outcome

    def _release(self, sha256: str) -> None:
        """A quarantined file that is now applied (or known) leaves the quarantine."""
        with transaction(self.db):
            kept = self.store.release(sha256, now_iso())
        for relative in kept:
            (self.workspace.root / relative).unlink(missing_ok=True)

    def _archive(self, path: Path, sender: str, sha256: str) -> str:
        """Keep an applied file under its digest in ``recus/<sender>/``."""
        folder = self.workspace.received_dir / sender
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{sha256}{'.zip.age' if is_encrypted(path) else '.zip'}"
        if not target.exists():
            copy_durably(path, target)
        return target.relative_to(self.workspace.root).as_posix()


def keep_in_quarantine(
    workspace: AssociationWorkspace, store: ReceiverStore, path: Path, label: str, sha256: str,
    exc: MairieError, context: dict[str, Any],
) -> None:  # fmt: skip
    """Keep a refused file in ``quarantaine/`` with its reason (nothing of it is applied); the
    caller holds the transaction. ``context`` names the sender, number and part if known."""
    target = workspace.quarantine_dir / f"{sha256[:12]}-{safe_file_name(label)}"
    if path.resolve() != target.resolve():
        workspace.quarantine_dir.mkdir(parents=True, exist_ok=True)
        copy_durably(path, target)
    store.quarantine(
        {
            "sha256": sha256, "file_name": label,
            "stored_as": target.relative_to(workspace.root).as_posix(),
            store.SENDER: context.get(store.SENDER), "sequence": context.get("sequence"),
            "part": context.get("part"), "code": exc.code, "reason": exc.message,
            "key_file": context.get("key_file"), "received_at": now_iso(),
        }
    )  # fmt: skip
    store.journal(now_iso(), current_actor(), "quarantine", {"file": label, "code": exc.code})


def safe_file_name(label: str) -> str:
    """A name any disk accepts for a file whose own name came from outside (ASCII, short)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._") or "paquet"
    return name[:100]
