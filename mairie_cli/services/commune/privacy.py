"""Personal data in the register: what would be masked, and the secretary's own decisions.

A decision is remembered: « garder » (a false positive: not personal data) or « masquer »
(a span the detector missed), for one contribution or the whole commune. When a decision
changes what an already-exported contribution looks like once masked, that contribution
gets a new version, so that the next export carries it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mairie_cli.clock import now_iso
from mairie_cli.errors import InvalidValue
from mairie_cli.privacy.detect import KINDS, NAME, Span, fold
from mairie_cli.privacy.masking import Choices
from mairie_cli.storage.commune.privacy import PrivacyStore
from mairie_cli.storage.database import transaction

if TYPE_CHECKING:
    from mairie_cli.models import Contribution
    from mairie_cli.services.commune.register import Register

KEEP, MASK = "garder", "masquer"


def privacy_choices(register: Register) -> Choices:
    """The commune's decisions, ready for a detector."""
    keep: list[str] = []
    mask: list[tuple[str, str]] = []
    keep_for: dict[str, tuple[str, ...]] = {}
    mask_for: dict[str, tuple[tuple[str, str], ...]] = {}
    for row in PrivacyStore(register.db).choices():
        uuid = row["uuid"]
        if row["decision"] == KEEP:
            if uuid:
                keep_for[uuid] = (*keep_for.get(uuid, ()), row["term"])
            else:
                keep.append(row["term"])
        elif uuid:
            mask_for[uuid] = (*mask_for.get(uuid, ()), (row["term"], row["kind"] or NAME))
        else:
            mask.append((row["term"], row["kind"] or NAME))
    return Choices(tuple(keep), tuple(mask), keep_for, mask_for)


def decisions(register: Register) -> list[dict[str, Any]]:
    """The decisions recorded, oldest first."""
    return PrivacyStore(register.db).choices()


@dataclass
class Preview:
    """One contribution as it would leave the commune."""

    contribution: Contribution
    spans: list[Span]
    masked: str


def preview(register: Register, contributions: list[Contribution]) -> list[Preview]:
    """What would be masked in these contributions."""
    choices = privacy_choices(register)
    shown = []
    for contribution in contributions:
        detector = choices.detector(contribution.uuid)
        spans = detector.find(contribution.text)
        masked, _ = detector.mask(contribution.text)
        shown.append(Preview(contribution, spans, masked))
    return shown


def choose(
    register: Register, term: str, decision: str, *, kind: str | None = None, uuid: str | None = None
) -> int:
    """Remember a decision; returns how many exported contributions get a new version."""
    term = " ".join(term.split())
    if len(term) < 2:
        raise InvalidValue("Indiquez le texte à garder ou à masquer (au moins deux caractères).")
    if kind is not None and kind not in KINDS:
        raise InvalidValue(f"Le type « {kind} » est inconnu : {', '.join(KINDS)}.")
    store = PrivacyStore(register.db)
    return _remasking(
        register,
        term,
        uuid,
        lambda: store.set_choice(
            uuid, term, fold(term), decision, kind if decision == MASK else None, now_iso()
        ),
        f"{decision} « {term} »",
    )


def forget(register: Register, term: str, *, uuid: str | None = None) -> int:
    """Forget a decision; returns how many exported contributions get a new version."""
    store = PrivacyStore(register.db)
    removed: list[int] = []
    bumped = _remasking(
        register,
        term,
        uuid,
        lambda: removed.append(store.forget(uuid, fold(" ".join(term.split())))),
        f"oublier « {term} »",
    )
    if not removed or not removed[0]:
        raise InvalidValue(f"Aucune décision enregistrée pour « {term} ».")
    return bumped


def _remasking(
    register: Register, term: str, uuid: str | None, change: Callable[[], object], reason: str
) -> int:
    """Apply ``change`` and give a new version to the exported contributions it affects
    (only those holding the term can be: found with the search index)."""
    candidates = PrivacyStore(register.db).exported_live_with(term, uuid)
    old = privacy_choices(register)
    before = {u: old.detector(u).mask(t)[0] for u, t in candidates}
    with transaction(register.db):
        change()
        new = privacy_choices(register)
        changed = [u for u, t in candidates if new.detector(u).mask(t)[0] != before[u]]
        for changed_uuid in changed:
            register.new_version(changed_uuid, reason)
    return len(changed)
