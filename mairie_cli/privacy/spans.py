"""What the privacy rules find: the kinds of personal data, and a span of text of one kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from mairie_cli import textnorm

PHONE, EMAIL, NIR, IBAN, ADDRESS, NAME = "TÉLÉPHONE", "COURRIEL", "NIR", "IBAN", "ADRESSE", "NOM"
KINDS = (PHONE, EMAIL, NIR, IBAN, ADDRESS, NAME)
#: When two spans overlap, the kind listed first wins (an IBAN's digits are not a phone).
PRIORITY = {kind: rank for rank, kind in enumerate((IBAN, NIR, EMAIL, PHONE, ADDRESS, NAME))}


def placeholder(kind: str) -> str:
    return f"[{kind}]"


@dataclass(frozen=True)
class Span:
    """A piece of personal data: where it is, what kind, and which rule found it."""

    kind: str
    start: int
    end: int
    text: str
    rule: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind, "start": self.start, "end": self.end, "text": self.text, "rule": self.rule,
            "confidence": self.confidence,
        }  # fmt: skip

    @property
    def confidence(self) -> str:
        """How sure the rule is, in French: « sûr », « fort », « probable », « par prudence »."""
        if self.rule == "choix":
            return "votre choix"
        if "prudence" in self.rule:
            return "par prudence"
        if self.rule in ("prénom", "nom en capitales"):
            return "probable"
        if "clé vérifiée" in self.rule or self.rule in ("phonenumbers", "adresse électronique"):
            return "sûr"
        return "fort"


@lru_cache(maxsize=1 << 16)
def fold_word(word: str) -> str:
    """``fold`` for single words, which repeat: remembered."""
    return fold(word)


def fold(text: str) -> str:
    """Lower case without accents (« Élodie » → « elodie »), typographic apostrophes plain."""
    return textnorm.fold(text.replace("’", "'"))


def count_kinds(spans: Iterable[Span]) -> dict[str, int]:
    counts = Counter(s.kind for s in spans)
    return {kind: counts[kind] for kind in KINDS if counts[kind]}
