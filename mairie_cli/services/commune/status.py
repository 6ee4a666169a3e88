"""``mairie etat``: where the commune's register stands."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from mairie_cli.models import Cahier, Commune, Nature, PageStatus, Source
from mairie_cli.services.commune.register import Register


@dataclass(frozen=True)
class PageCounts:
    """Scanned pages by where they stand."""

    typed: int = 0  # drafts waiting for proofreading
    handwritten: int = 0  # waiting to be proofread (read automatically) or typed
    handwritten_read: int = 0  # of which read automatically: drafts to correct
    proofread: int = 0
    blank: int = 0
    to_read: int = 0  # not read yet, or failed

    @property
    def total(self) -> int:
        return self.typed + self.handwritten + self.proofread + self.blank + self.to_read


@dataclass(frozen=True)
class CommuneStatus:
    """Counts per cahier, nature and source, scanned pages, drafts and the last export."""

    commune: Commune
    total: int
    deleted: int
    cahiers: list[Cahier]
    natures: dict[str, int]
    sources: dict[str, int]
    last_change: str | None
    drafts: int
    pages: dict[str, int] = field(default_factory=dict)  # page status -> count
    last_export: dict[str, Any] | None = None  # sequence, created_at
    handwritten_read: int = 0  # handwritten pages read automatically, drafts to correct

    @property
    def page_counts(self) -> PageCounts:
        pages = self.pages
        return PageCounts(
            typed=pages.get(PageStatus.DRAFTS.value, 0),
            handwritten=pages.get(PageStatus.HANDWRITTEN.value, 0),
            handwritten_read=self.handwritten_read,
            proofread=pages.get(PageStatus.PROOFREAD.value, 0),
            blank=pages.get(PageStatus.BLANK.value, 0),
            to_read=pages.get(PageStatus.FAILED.value, 0) + pages.get(PageStatus.TO_READ.value, 0),
        )

    def to_dict(self) -> dict[str, Any]:
        commune = self.commune
        return {
            "commune": {"insee": commune.insee, "name": commune.name, "department": commune.department},
            "total": self.total, "deleted": self.deleted, "cahiers": [c.to_dict() for c in self.cahiers],
            "natures": self.natures, "sources": self.sources, "last_change": self.last_change,
            "drafts": self.drafts, "pages": self.pages, "last_export": self.last_export,
            "handwritten_read": self.handwritten_read,
        }  # fmt: skip


def status(register: Register) -> CommuneStatus:
    """Where the register stands, for ``mairie etat``."""
    store = register.store
    per_cahier = dict(store.counts("cahier_id"))
    last_export = register.exports.last_export()
    return CommuneStatus(
        commune=register.commune,
        total=sum(per_cahier.values()),
        deleted=store.count_deleted(),
        cahiers=[replace(c, count=per_cahier.get(c.id, 0)) for c in register.cahiers()],
        natures={n.value: 0 for n in Nature} | dict(store.counts("nature")),
        sources={s.value: 0 for s in Source} | dict(store.counts("source")),
        last_change=store.last_change(),
        drafts=store.count_drafts(),
        pages=register.pages.counts(),
        handwritten_read=register.pages.handwritten_read(),
        last_export=(
            {"sequence": last_export["sequence"], "created_at": last_export["created_at"]}
            if last_export
            else None
        ),
    )
