"""The secretary's decisions about personal data, as a detector applies them.

What the rules find is kept per text (``findings``); these decisions are applied on top of it
each time, so that a decision taken after a text was examined still counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mairie_cli.privacy.detect import Detector


@dataclass(frozen=True)
class Choices:
    """The secretary's decisions: for the whole commune, and per contribution (by UUID)."""

    keep: tuple[str, ...] = ()
    mask: tuple[tuple[str, str], ...] = ()
    keep_for: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mask_for: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def has_own(self, uuid: str) -> bool:
        """Whether this contribution has decisions of its own."""
        return uuid in self.keep_for or uuid in self.mask_for

    def detector(self, uuid: str | None = None) -> Detector:
        if uuid is None or not self.has_own(uuid):
            return Detector(self.keep, self.mask)
        return Detector(self.keep + self.keep_for.get(uuid, ()), self.mask + self.mask_for.get(uuid, ()))
