"""Which commune a workspace belongs to, and correcting a wrong code or name before anything left.

A code or a name typed wrong at ``mairie init`` can be corrected until the first bundle is
exported: after that, the association knows the commune by what it received, and a change
would break the chain of bundles.
"""

from __future__ import annotations

from dataclasses import dataclass

from mairie_cli.communes import CURRENT, check_commune, describe
from mairie_cli.errors import WorkspaceConflict
from mairie_cli.insee import department_of
from mairie_cli.models import Commune
from mairie_cli.services.commune.keys import CommuneKeys
from mairie_cli.services.commune.register import Register
from mairie_cli.storage.database import transaction


@dataclass(frozen=True)
class CommuneChange:
    """What ``change_commune`` did."""

    before: Commune
    after: Commune
    note: str | None  # a code that is not a current commune's: what it is

    @property
    def changed(self) -> bool:
        return self.before != self.after


def change_commune(register: Register, insee: str, name: str | None = None) -> CommuneChange:
    """Set the commune's code (checked against the official list) and name, before any export."""
    official = check_commune(insee, name)
    before = register.commune
    sent = register.exports.exports()
    if sent and official.code != before.insee:
        raise WorkspaceConflict(
            f"La commune {before.insee} a déjà envoyé {len(sent)} paquet(s) sous ce code : il ne peut "
            "plus changer (l'association ne reconnaîtrait plus la suite). Si le code est faux, "
            "appelez l'association : elle vous dira comment repartir d'un espace de travail neuf."
        )
    after = Commune(
        insee=official.code,
        name=official.name or (name.strip() if name and name.strip() else before.name),
        department=department_of(official.code),
    )
    if after != before:
        with transaction(register.db):
            register.store.update_commune(after)
            register.record_event("config-commune", "commune", after.insee, before=before.__dict__,
                                  after=after.__dict__)  # fmt: skip
        CommuneKeys.of(register.workspace).relabel(after.insee)
    return CommuneChange(before, register.commune, None if official.kind == CURRENT else describe(official))
