"""The departmental association's workspace: its keys, the communes it trusts, its status.

An association's folder holds ``association.db``, its age identity in ``cles/`` (the secret
key stays there; a backup identity is written elsewhere, for the safe), the bundles received
(``recus/``), the quarantine and the syntheses. Receiving bundles is ``services.reception``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import generate_identity, parse_recipient
from mairie_cli.errors import KeyProblem, OutsideDepartment, WorkspaceConflict
from mairie_cli.insee import department_of, normalize_department, normalize_insee
from mairie_cli.services.association.communes import CommuneList, read_commune_list
from mairie_cli.services.ledger import StateStatus, missing_sequences
from mairie_cli.services.receiver_keys import ReceiverKeys
from mairie_cli.storage.association import open_association_database
from mairie_cli.storage.association.store import AssociationStore
from mairie_cli.storage.association.synthesis import SynthesisStore
from mairie_cli.storage.database import transaction
from mairie_cli.workspace import AssociationWorkspace, refuse_nested

DEPARTMENT = "departement"
NAME = "nom"
RECIPIENTS_FILE = "association-destinataires.txt"
#: The national federation's age keys (one per line), which the department's bundles go to.
NATIONAL_RECIPIENTS = "destinataires_national"


class Association(ReceiverKeys):
    """An open association workspace (a context manager closing its database)."""

    OWNER = "de l'association"
    store: AssociationStore

    def __init__(self, workspace: AssociationWorkspace, db: sqlite_utils.Database) -> None:
        self.workspace = workspace
        self.db = db
        # Its stores, built once: the ledger and trust, and the synthesis queries.
        self.store = AssociationStore(db)
        self.synthesis = SynthesisStore(db)

    def __enter__(self) -> Association:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.conn.close()

    @classmethod
    def open(cls, folder: Path | str | None = None) -> Association:
        workspace = AssociationWorkspace.find(folder).require()
        return cls(workspace, open_association_database(workspace.db_path))

    @classmethod
    def init(
        cls, folder: Path | str | None, department: str, name: str | None = None
    ) -> tuple[Association, bool]:
        """Create the workspace and its key, or reopen it: running it twice destroys nothing."""
        code = normalize_department(department)
        workspace = AssociationWorkspace.at(folder)
        refuse_nested(workspace.root)
        if (workspace.root / "mairie.db").exists():
            raise WorkspaceConflict(
                f"« {workspace.root} » est l'espace de travail d'une commune : créez celui de "
                "l'association dans un autre dossier."
            )
        workspace.create_folders()
        association = cls(workspace, open_association_database(workspace.db_path))
        existing = association.store.get_setting(DEPARTMENT)
        if existing is not None and existing != code:
            association.close()
            raise WorkspaceConflict(
                f"Ce dossier appartient déjà à l'association du département {existing}. Rien n'a été "
                "modifié ; choisissez un autre dossier."
            )
        if not association.identity_path.exists():
            generate_identity(association.identity_path)
        association.ensure_signing_key(code)
        with transaction(association.db):
            if existing is None:
                association.store.set_setting(DEPARTMENT, code)
                association.store.journal(now_iso(), current_actor(), "init", {"departement": code})
            if name and name.strip():
                association.store.set_setting(NAME, name.strip())
        return association, existing is None

    # -- identity ------------------------------------------------------------------------

    @property
    def department(self) -> str:
        return self.store.get_setting(DEPARTMENT) or ""

    @property
    def name(self) -> str:
        return self.store.get_setting(NAME) or f"Association du département {self.department}"

    @property
    def identity_path(self) -> Path:
        return self.workspace.keys_dir / "association.key"

    @property
    def signing_secret(self) -> Path:
        """The association's own minisign key: it signs the department's bundles."""
        return self.workspace.keys_dir / "association-signature.key"

    def ensure_signing_key(self, department: str) -> None:
        """Create the signing key if this workspace has none (made before it existed)."""
        public = self.workspace.keys_dir / "association-signature.pub"
        if not self.signing_secret.exists():
            signing.generate_keypair(self.signing_secret, public, signing_key_comment(department))

    def signing_key(self) -> signing.PublicKey:
        """The association's public signing key; stops with the remedy if its secret is missing."""
        if not self.signing_secret.exists():
            raise KeyProblem(
                f"La clé de signature de l'association (« {self.signing_secret} ») manque. Si "
                "l'association n'a encore rien envoyé à la fédération, « mairie asso init --departement "
                f"{self.department} » la crée ; sinon restaurez la dernière sauvegarde : la fédération "
                "ne reconnaîtrait pas une nouvelle clé sans un nouvel appel."
            )
        return signing.public_key_of(self.signing_secret)

    def publish_signing_key(self, folder: Path) -> Path:
        """``association-NN.pub``, the file the national federation trusts (after a phone call)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"association-{self.department}.pub"
        target.write_text(
            self.signing_key().file_text(signing_key_comment(self.department)), encoding="utf-8"
        )
        return target

    def national_recipients(self) -> list[str]:
        return (self.store.get_setting(NATIONAL_RECIPIENTS) or "").split()

    def set_national_recipients(self, recipients: list[str]) -> list[str]:
        """The federation's age keys (checked), which the department's bundles are encrypted to."""
        try:
            keys = [parse_recipient(r) for r in recipients]
        except KeyProblem:
            raise KeyProblem(
                "Ce n'est pas une clé de chiffrement age valide : elle tient sur une ligne qui commence "
                "par « age1 » ; la fédération nationale vous la donne."
            ) from None
        with transaction(self.db):
            self.store.set_setting(NATIONAL_RECIPIENTS, " ".join(keys))
            self.store.journal(now_iso(), current_actor(), "national-recipients", {"recipients": keys})
        return keys

    def write_recipients(self, folder: Path) -> Path:
        """The file a commune loads with « mairie config destinataire --fichier »."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / RECIPIENTS_FILE
        lines = [
            f"# Clés de chiffrement de {self.name}",
            "# À charger dans chaque mairie : mairie config destinataire --fichier " + RECIPIENTS_FILE,
            *self.recipients(),
        ]
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return target

    # -- trust ---------------------------------------------------------------------------

    def check_in_department(self, insee: str) -> str:
        code = normalize_insee(insee)
        if department_of(code) != self.department:
            raise OutsideDepartment(
                f"La commune {code} n'est pas dans le département {self.department} : ses paquets "
                "vont à l'association de son département."
            )
        return code

    def trust(self, insee: str, key_file: Path) -> tuple[signing.PublicKey, bool]:
        """Trust a commune's public key; returns it and whether it is new."""
        code = self.check_in_department(insee)
        key = signing.read_public_key(key_file)
        with transaction(self.db):
            added = self.store.add_trusted_key(code, key.key_id, key.base64, key.fingerprint, now_iso())
            self.store.note_commune(code, None)
            if added:
                self.store.journal(
                    now_iso(), current_actor(), "trust",
                    {"insee": code, "key_id": key.key_id, "fingerprint": key.fingerprint},
                )  # fmt: skip
        return key, added

    def distrust(self, insee: str, key_id: str | None = None) -> int:
        code = normalize_insee(insee)
        with transaction(self.db):
            removed = self.store.remove_trusted_keys(code, key_id.upper() if key_id else None)
            if removed:
                self.store.journal(now_iso(), current_actor(), "distrust", {"insee": code, "key_id": key_id})
        return removed

    def trusted_keys(self) -> list[dict[str, Any]]:
        """Every key trusted, commune by commune (code, key id, fingerprint, date)."""
        return self.store.trusted_keys()

    def trusted_key(self, insee: str, key_id: str) -> signing.PublicKey | None:
        for row in self.store.trusted_keys(insee):
            if row["key_id"] == key_id:
                return signing.PublicKey(row["public_key"])
        return None

    # -- the department's communes -------------------------------------------------------

    def load_communes(self, path: Path) -> CommuneList:
        """Load the list of the department's communes (INSEE code, and name and population
        when the file has them) from a CSV or a workbook."""
        result = read_commune_list(path, self.department)
        with transaction(self.db):
            self.store.list_communes(result.rows)
            self.store.note_successors(result.merged)
            self.store.journal(
                now_iso(),
                current_actor(),
                "communes",
                {"file": path.name, "count": len(result.rows), "merged": len(result.merged)},
            )
        return result

    # -- status --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Per commune: last sequence, gaps, last reception, contributions, quarantine."""
        quarantined = self.store.quarantined()
        by_commune: dict[str, list[dict[str, Any]]] = {}
        for row in quarantined:
            by_commune.setdefault(row["insee"] or "", []).append(row)
        communes = []
        silent = []
        known = self.store.communes()
        sequences_of = {row["insee"]: self.store.sequences(row["insee"]) for row in known}
        # A commune merged since 2019 may still send under its old code: it speaks for its new one.
        successors = self.store.successors()
        heard = {successors.get(insee, insee) for insee, sequences in sequences_of.items() if sequences}
        for row in known:
            sequences = sequences_of[row["insee"]]
            held = by_commune.get(row["insee"], [])
            if not sequences and not held:
                if row["listed"] and row["insee"] not in heard and row["insee"] not in successors:
                    silent.append(
                        {"insee": row["insee"], "name": row["name"], "population": row["population"]}
                    )
                continue
            missing = missing_sequences(sequences)
            communes.append(
                {
                    "insee": row["insee"], "name": row["name"], "population": row["population"],
                    "listed": bool(row["listed"]), "now_part_of": successors.get(row["insee"]),
                    "last_sequence": max((s["sequence"] for s in sequences), default=None),
                    "missing": missing, "last_received_at": row["last_received_at"],
                    "contributions": row["contributions"],
                    "state": row["state_status"] or StateStatus.WAITING.value,
                    "quarantined": [
                        {"file": q["file_name"], "code": q["code"], "reason": q["reason"]} for q in held
                    ],
                }
            )  # fmt: skip
        listed = sum(1 for row in known if row["listed"] and row["insee"] not in successors)
        return {
            "department": self.department,
            "communes": communes,
            "silent": silent,
            "listed": listed,
            "quarantine": [
                {
                    k: q[k]
                    for k in ("file_name", "stored_as", "insee", "sequence", "code", "reason", "received_at")
                }
                for q in quarantined
            ],
        }


def signing_key_comment(department: str) -> str:
    """The comment line of the association's public key file (``association-NN.pub``)."""
    return f"clé publique de l'association du département {department}"


def read_commune_key(path: Path) -> signing.PublicKey:
    """A commune's public key file (``commune-CODE.pub``), to show its fingerprint before it is
    trusted."""
    return signing.read_public_key(path)
