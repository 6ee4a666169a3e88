"""``mairie verifier``: check bundle files as anyone could, with the commune's key.

Inside a commune's workspace, its own public key and its export ledger are used by default: an
encrypted bundle it cannot open is still recognised as the very file it exported.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mairie_cli.bundle.verify import VerifiedBundle, verify_file
from mairie_cli.crypto import signing
from mairie_cli.crypto.encryption import read_identity
from mairie_cli.errors import MairieError
from mairie_cli.services.commune.keys import CommuneKeys
from mairie_cli.services.commune.register import Register
from mairie_cli.workspace import Workspace


@dataclass
class BundleCheck:
    """The verdict on one file: what it holds, or the error that condemns it."""

    file: str
    bundle: VerifiedBundle | None = None
    error: MairieError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"file": self.file, "ok": False, "code": self.error.code, "message": self.error.message}
        assert self.bundle is not None
        return {"ok": True, **self.bundle.to_dict()}


def verify_bundles(
    paths: list[Path],
    *,
    key_file: Path | None = None,
    identity_file: Path | None = None,
    folder: Path | str | None = None,
) -> list[BundleCheck]:
    """Verify each file; one bad file does not stop the others.

    ``key_file`` is the signer's public key (by default the workspace's own, when ``folder``
    or the current folder is a commune's workspace); ``identity_file`` the age secret key that
    opens an encrypted bundle.
    """
    public = signing.read_public_key(key_file) if key_file else None
    identities = [read_identity(identity_file)] if identity_file else None
    known: list[dict[str, Any]] = []
    work_root: Path | None = None
    workspace = Workspace.find(folder)
    if workspace.exists():
        # Decrypted copies stay in the workspace (cleared each time), not in the system's
        # temporary folder where an interruption would leave them.
        work_root = workspace.root / ".verification"
        shutil.rmtree(work_root, ignore_errors=True)
        work_root.mkdir()
        with Register.open(workspace.root) as register:
            known = register.exports.exports()
            if public is None:
                public = CommuneKeys.of(register.workspace).public_key()
    checks: list[BundleCheck] = []
    for path in paths:
        try:
            bundle = verify_file(
                path, public_key=public, identities=identities, known_exports=known, work_root=work_root
            )
        except MairieError as exc:
            checks.append(BundleCheck(path.name, error=exc))
        else:
            checks.append(BundleCheck(path.name, bundle=bundle))
    return checks
