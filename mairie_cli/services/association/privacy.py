"""The association's own check for personal data: what the communes' masking may have left.

The same detector as the communes' runs over the texts received; it flags, it never alters. A
flagged text stays out of the open-data file until the association has checked it and released
that version (a newer version from the commune is checked again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mairie_cli.clock import current_actor, now_iso
from mairie_cli.privacy.detect import Detector
from mairie_cli.services.association.synthesis import received
from mairie_cli.services.association.workspace import Association
from mairie_cli.storage.database import transaction


@dataclass(frozen=True)
class Flagged:
    """A received text where personal data still seems present."""

    insee: str
    uuid: str
    version: int
    spans: tuple[tuple[str, str, str], ...]  # (kind, rule, text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "insee": self.insee, "uuid": self.uuid, "version": self.version,
            "spans": [{"kind": k, "rule": r, "text": t} for k, r, t in self.spans],
        }  # fmt: skip


def to_check(association: Association) -> list[Flagged]:
    """The received texts still flagged and not released (in register order)."""
    detector = Detector()
    releases = association.synthesis.releases()
    flagged = []
    for row in association.synthesis.rows():
        if releases.get((row.insee, row.uuid)) == row.version:
            continue
        spans = tuple((s.kind, s.rule, s.text) for s in detector.find(row.text))
        if spans:
            flagged.append(Flagged(row.insee, row.uuid, row.version, spans))
    return flagged


def release(association: Association, ident: str) -> tuple[str, str, int]:
    """Put a checked text back into the open-data file: ``(insee, uuid, version released)``."""
    insee, uuid = received(association, ident)
    with transaction(association.db):
        version = association.synthesis.release(insee, uuid, now_iso(), current_actor())
        association.store.journal(
            now_iso(), current_actor(), "privacy-release", {"uuid": uuid, "version": version}
        )
    return insee, uuid, version
