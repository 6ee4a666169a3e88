"""What receiving bundles means at any level (an association receiving its communes, the
federation receiving its departments): what became of each file, the files found in folders,
the errors that condemn a bundle, the quarantine where refused files are kept with their reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.errors import (
    BundleInvalid,
    CommuneClaimed,
    DecryptionFailed,
    KeyProblem,
    MairieError,
    OutsideDepartment,
    SequenceConflict,
    SignatureInvalid,
    UnsafeArchive,
    UntrustedKey,
)
from mairie_cli.files import copy_durably
from mairie_cli.models import TextEnum
from mairie_cli.storage.receiver import ReceiverStore
from mairie_cli.textnorm import without_controls
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
