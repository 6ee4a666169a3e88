"""Personal data in the register: what would be masked, and the secretary's own decisions.

A decision is remembered: « garder » (a false positive: not personal data) or « masquer »
(a span the detector missed), for one contribution or the whole commune. When a decision
changes what an already-exported contribution looks like once masked, that contribution
gets a new version, so that the next export carries it again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mairie_cli.clock import now_iso
from mairie_cli.errors import InvalidValue
from mairie_cli.privacy.detect import KINDS, NAME, Span, fold, replace
from mairie_cli.privacy.findings import Kept
from mairie_cli.privacy.masking import Choices
from mairie_cli.services.commune import findings
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
    for row in register.privacy.choices():
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
    return register.privacy.choices()


@dataclass
class Preview:
    """One contribution as it would leave the commune."""

    contribution: Contribution
    spans: list[Span]
    masked: str


@dataclass
class PreviewReport:
    """What would be masked in the contributions examined."""

    examined: list[Preview]
    all_shown: bool = False  # contributions asked for by ID: each is shown, masked or not

    @property
    def touched(self) -> list[Preview]:
        """The contributions where something would be masked."""
        return [p for p in self.examined if p.spans]

    @property
    def shown(self) -> list[Preview]:
        return self.examined if self.all_shown else self.touched

    def counts(self) -> Counter[str]:
        """Spans masked, per kind."""
        return Counter(s.kind for p in self.touched for s in p.spans)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examined": len(self.examined), "touched": len(self.touched), "counts": dict(self.counts()),
            "authors": "pseudonymes",
            "contributions": [
                {"id": p.contribution.uuid, "spans": [s.to_dict() for s in p.spans], "masked": p.masked}
                for p in self.shown
            ],
        }  # fmt: skip


def preview(
    register: Register, contributions: list[Contribution], all_shown: bool = False,
    kept: dict[str, Kept] | None = None,
) -> PreviewReport:  # fmt: skip
    """What would be masked in these contributions (the export's own masking: ``kept``, the
    findings kept for them by UUID, spares examining them again)."""
    masking = findings.Masking(privacy_choices(register))
    shown = []
    for contribution in contributions:
        examined, spans = masking.spans(contribution, (kept or {}).get(contribution.uuid))
        masked = findings.split_note(replace(examined, spans)[0])[0]
        shown.append(Preview(contribution, [s for s in spans if s.end <= len(contribution.text)], masked))
    return PreviewReport(shown, all_shown)


def preview_pending(register: Register, *, full: bool = False) -> PreviewReport:
    """What would be masked in the next export (every contribution with ``full``); what is
    examined here is kept, and not examined again by the export."""
    pending = [(c, kept) for c, kept in findings.pending(register, full) if not c.deleted]
    return preview(register, [c for c, _ in pending], kept={c.uuid: k for c, k in pending if k})


#: Kinds as typed after --type (no accents needed) -> the detector's kinds.
KIND_NAMES = {
    "telephone": "TÉLÉPHONE", "téléphone": "TÉLÉPHONE", "courriel": "COURRIEL", "email": "COURRIEL",
    "nir": "NIR", "iban": "IBAN", "adresse": "ADRESSE", "nom": "NOM",
}  # fmt: skip


def decide(
    register: Register,
    uuids: list[str],
    *,
    keep: str | None = None,
    mask: str | None = None,
    forget_term: str | None = None,
    kind_name: str = "nom",
) -> int:
    """One decision (keep, mask or forget a term) for these contributions, or for the whole
    commune without any; returns how many exported contributions will leave again, corrected."""
    decisions = [d for d in (keep, mask, forget_term) if d is not None]
    if len(decisions) != 1:
        raise InvalidValue("Une seule décision à la fois : --garder, --masquer ou --oublier.")
    kind = KIND_NAMES.get(kind_name.strip().lower())
    if kind is None:
        raise InvalidValue(f"Le type « {kind_name} » est inconnu : {', '.join(sorted(set(KIND_NAMES)))}.")
    targets: list[str | None] = list(uuids) or [None]
    bumped = 0
    for uuid in targets:
        if forget_term is not None:
            bumped += forget(register, forget_term, uuid=uuid)
        elif keep is not None:
            bumped += choose(register, keep, KEEP, uuid=uuid)
        else:
            bumped += choose(register, mask or "", MASK, kind=kind, uuid=uuid)
    return bumped


def choose(
    register: Register, term: str, decision: str, *, kind: str | None = None, uuid: str | None = None
) -> int:
    """Remember a decision; returns how many exported contributions get a new version."""
    term = " ".join(term.split())
    if len(term) < 2:
        raise InvalidValue("Indiquez le texte à garder ou à masquer (au moins deux caractères).")
    if kind is not None and kind not in KINDS:
        raise InvalidValue(f"Le type « {kind} » est inconnu : {', '.join(KINDS)}.")
    store = register.privacy
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
    store = register.privacy
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
    candidates = register.privacy.exported_live_with(term, uuid)
    old = privacy_choices(register)
    before = {u: old.detector(u).mask(t)[0] for u, t in candidates}
    with transaction(register.db):
        change()
        new = privacy_choices(register)
        changed = [u for u, t in candidates if new.detector(u).mask(t)[0] != before[u]]
        for changed_uuid in changed:
            register.new_version(changed_uuid, reason)
    return len(changed)
