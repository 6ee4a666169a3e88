"""Personal data in the register's texts, as the export masks it.

What the rules find in a contribution is kept (``privacy.findings``): each text is examined
once — by the first export, or by the preview the secretary looks at before it — and again
only once corrected or once mairie's rules change. The secretary's decisions are applied on
top of it each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mairie_cli.privacy import findings
from mairie_cli.privacy.detect import Detector, Span, replace
from mairie_cli.privacy.masking import Choices

if TYPE_CHECKING:
    from mairie_cli.models import Contribution
    from mairie_cli.services.commune.register import Register

_NOTE_MARK = "\n\x1e\n"  # a control character: never in a stored text (clean_text drops them)
_CHUNK = 1000


def words(contribution: Contribution) -> findings.Words:
    """What is examined: the text, and the town hall's note after it (masked the same way);
    the author's name as signed, to be found again in them."""
    note = f"{_NOTE_MARK}{contribution.note}" if contribution.note else ""
    return contribution.text + note, (contribution.author,) if contribution.author else ()


def split_note(masked: str) -> tuple[str, str | None]:
    """The masked text and the masked note, apart again."""
    if _NOTE_MARK not in masked:
        return masked, None
    text, _, note = masked.partition(_NOTE_MARK)
    return text, note


def pending(register: Register, full: bool) -> Iterator[tuple[Contribution, findings.Kept | None]]:
    """What the next export holds (everything with ``full``), each contribution with what the
    rules find in it (None for a tombstone): kept, else examined now and kept from now on."""
    rules = findings.rules_digest()
    store = register.privacy
    unexamined = register.exports.count_unexamined(full, rules)
    store.start_fresh_findings()
    fresh: list[tuple[str, int, str, str, str]] = []
    for contribution, kept, new in findings.complete(
        register.exports.pending_found(full, rules), _words_of_live, stale=unexamined
    ):
        if new and kept is not None:
            fresh.append((contribution.uuid, contribution.version, rules, *kept))
            if len(fresh) >= _CHUNK:
                store.note_fresh_findings(fresh)
                fresh = []
        yield contribution, kept
    store.note_fresh_findings(fresh)
    store.keep_fresh_findings()


def _words_of_live(contribution: Contribution) -> findings.Words | None:
    return None if contribution.deleted else words(contribution)


class Masking:
    """The secretary's decisions applied to what the rules found in each contribution."""

    def __init__(self, choices: Choices) -> None:
        self.choices = choices
        self.common = choices.detector()  # for every contribution without decisions of its own
        self.plain = not self.common.keep and not self.common.mask_terms

    def spans(self, contribution: Contribution, kept: findings.Kept | None = None) -> tuple[str, list[Span]]:
        """The words examined (text, then note) and the spans masked in them; ``kept``: what
        ``pending`` gave for it (else it is examined now)."""
        examined = words(contribution)
        found = findings.decode(examined[0], kept[1]) if kept else Detector.rules(*examined)
        uuid = contribution.uuid
        detector = self.choices.detector(uuid) if self.choices.has_own(uuid) else self.common
        spans = detector.find(*examined, found)
        if contribution.note:  # a span never runs from the text into the note: each keeps its own
            cut = len(contribution.text)
            spans = [
                piece for span in spans for piece in _apart(span, examined[0], cut, cut + len(_NOTE_MARK))
            ]
        return examined[0], spans

    def apply(
        self, contribution: Contribution, kept: findings.Kept | None
    ) -> tuple[str | None, str | None, dict[str, int] | None]:
        """The text and the note as they leave the commune (None: as written), and the spans
        masked per kind (None: nothing); ``kept`` as for ``spans``."""
        nothing = kept is not None and kept[1] == findings.NOTHING and self.plain
        if nothing and not self.choices.has_own(contribution.uuid):
            return None, None, None  # most texts: nothing found, nothing decided
        masked, counts = replace(*self.spans(contribution, kept))
        return *split_note(masked), dict(counts) or None


def _apart(span: Span, words: str, cut: int, resume: int) -> list[Span]:
    """A span that runs over the mark between text and note, as its two sides."""
    if span.end <= cut or span.start >= resume:
        return [span]
    sides = [(span.start, cut), (resume, span.end)]
    return [Span(span.kind, a, b, words[a:b], span.rule) for a, b in sides if a < b]
