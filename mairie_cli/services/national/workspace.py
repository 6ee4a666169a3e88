"""The national federation's workspace: its keys, the associations it trusts, its status.

Laid out as an association's (``national.db``, ``cles/``, ``recus/``, ``quarantaine/``,
``syntheses/``): the federation is to the departments what an association is to its communes.
Its age key is the one each association encrypts to (``mairie asso config destinataire``); an
association's signing key (``association-NN.pub``) is trusted for its department after the
fingerprint is read over the phone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlite_utils

from mairie_cli import communes
from mairie_cli.clock import current_actor, now_iso
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import generate_identity
from mairie_cli.errors import WorkspaceConflict
from mairie_cli.insee import normalize_department
from mairie_cli.services.ledger import StateStatus, missing_sequences
from mairie_cli.services.receiver_keys import ReceiverKeys
from mairie_cli.storage.database import transaction
from mairie_cli.storage.national import open_national_database
from mairie_cli.storage.national.store import NationalStore
from mairie_cli.workspace import ASSOCIATION_DB_NAME, DB_NAME, NationalWorkspace, refuse_nested

NAME = "nom"


def read_association_key(path: Path) -> signing.PublicKey:
    """An association's public signing key file (``association-NN.pub``), to show its fingerprint
    before it is trusted."""
    return signing.read_public_key(path)


def refuse_other_workspace(root: Path) -> None:
    """The federation's workspace is never inside another one, nor a commune's or an
    association's folder."""
    refuse_nested(root)
    for other, whose in ((DB_NAME, "d'une commune"), (ASSOCIATION_DB_NAME, "d'une association")):
        if (root / other).exists():
            raise WorkspaceConflict(
                f"« {root} » est l'espace de travail {whose} : mettez celui de la fédération nationale "
                "dans un autre dossier."
            )


class National(ReceiverKeys):
    """An open national workspace (a context manager closing its database)."""

    OWNER = "de la fédération"
    workspace: NationalWorkspace
    store: NationalStore

    def __init__(self, workspace: NationalWorkspace, db: sqlite_utils.Database) -> None:
        self.workspace = workspace
        self.db = db
        self.store = NationalStore(db)

    def __enter__(self) -> National:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.conn.close()

    @classmethod
    def open(cls, folder: Path | str | None = None) -> National:
        workspace = NationalWorkspace.find(folder).require()
        return cls(workspace, open_national_database(workspace.db_path))

    @classmethod
    def init(cls, folder: Path | str | None, name: str | None = None) -> tuple[National, bool]:
        """Create the workspace and its age key, or reopen it: running it twice destroys nothing."""
        workspace = NationalWorkspace.at(folder)
        refuse_other_workspace(workspace.root)
        existed = workspace.db_path.exists()
        workspace.create_folders()
        national = cls(workspace, open_national_database(workspace.db_path))
        if not national.identity_path.exists():
            generate_identity(national.identity_path)
        with transaction(national.db):
            if not existed:
                national.store.journal(now_iso(), current_actor(), "init", {})
            if name and name.strip():
                national.store.set_setting(NAME, name.strip())
        return national, not existed

    @property
    def name(self) -> str:
        return self.store.get_setting(NAME) or "Fédération nationale"

    @property
    def identity_path(self) -> Path:
        return self.workspace.keys_dir / "national.key"

    def recipient(self) -> str:
        """The ``age1…`` key the associations encrypt to (the backup one aside)."""
        return self.recipients()[0]

    # -- trust ---------------------------------------------------------------------------

    def trust(self, department: str, key_file: Path) -> tuple[signing.PublicKey, bool]:
        """Trust an association's signing key for its department; returns it and whether it is new."""
        code = normalize_department(department)
        key = signing.read_public_key(key_file)
        with transaction(self.db):
            added = self.store.add_trusted_key(code, key.key_id, key.base64, key.fingerprint, now_iso())
            self.store.note_department(code, None)
            if added:
                self.store.journal(
                    now_iso(), current_actor(), "trust",
                    {"department": code, "key_id": key.key_id, "fingerprint": key.fingerprint},
                )  # fmt: skip
        return key, added

    def distrust(self, department: str, key_id: str | None = None) -> int:
        code = normalize_department(department)
        with transaction(self.db):
            removed = self.store.remove_trusted_keys(code, key_id.upper() if key_id else None)
            if removed:
                self.store.journal(
                    now_iso(), current_actor(), "distrust", {"department": code, "key_id": key_id}
                )
        return removed

    def trusted_keys(self) -> list[dict[str, Any]]:
        return self.store.trusted_keys()

    def trusted_key(self, department: str, key_id: str) -> signing.PublicKey | None:
        for row in self.store.trusted_keys(department):
            if row["key_id"] == key_id:
                return signing.PublicKey(row["public_key"])
        return None

    # -- status --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Per department: association, last bundle, gaps, communes and contributions, state,
        quarantine; the departments of France not heard from."""
        quarantined = self.store.quarantined()
        live = self.store.live_counts()
        departments = []
        for row in self.store.departments():
            code = row["department"]
            sequences = self.store.sequences(code)
            coverage = json.loads(row["coverage"]) if row["coverage"] else {}
            departments.append(
                {
                    "department": code, "association": row["association"],
                    "last_sequence": max((s["sequence"] for s in sequences), default=None),
                    "missing": missing_sequences(sequences), "last_received_at": row["last_received_at"],
                    "contributions": live.get(code, 0), "communes_heard": row["communes_heard"],
                    "communes_listed": coverage.get("listed"), "coverage": coverage,
                    "state": row["state_status"] or StateStatus.WAITING.value,
                    "quarantined": [
                        {"file": q["file_name"], "code": q["code"], "reason": q["reason"]}
                        for q in quarantined if q["department"] == code
                    ],
                }
            )  # fmt: skip
        heard = {d["department"] for d in departments if d["last_sequence"] is not None}
        every = communes.departments()
        return {
            "departments": departments,
            "heard": sorted(heard),
            "silent": [code for code in every if code not in heard],
            "contributions": sum(live.values()),
            "quarantine": [
                {
                    k: q[k]
                    for k in (
                        "file_name",
                        "stored_as",
                        "department",
                        "sequence",
                        "code",
                        "reason",
                        "received_at",
                    )
                }
                for q in quarantined
            ],
        }
