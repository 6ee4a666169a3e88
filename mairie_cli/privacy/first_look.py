"""A first look at a text: which of the rules may find something in it, each told in one pass.

Python's regular expressions try a pattern at each position of a text, and scanning a text
costs about as much for one word as for the next; most contributions hold no personal data. RE2
(Google's automaton-based engine, through pyre2) reads a text once however many words it looks
for. Four questions are asked of it, each a necessary condition of its rules, made from the
rules' own patterns and words:

- a name rule's lead-in followed by how a name starts: a title written in letters, a family or
  neighbour word, « chez les », a closing formula, a signature before a capital, an
  introduction (else the text is not cut into words for them);
- two capitalised words in a row that a pair rule can read as a name: a title before a capital,
  a first name of the list before or after a capitalised word, a surname in capitals before a
  first name or ending its line (« Le Grand Débat », « la SNCF Paris » are none: no pair is
  looked for);
- what an « @ » may be written as, or a word for where one lives (« j'habite »…);
- five digits close together (where every number a rule masks starts, and every postcode), or a
  house number before a way's word (else a year or an amount: no number rule runs).

The four are asked at once first; the author's name is looked for whatever the first look
says. The name questions come from the rules' own lead-ins and word list (``names.hints``):
what the rules need, not what they decide. A text the first look passes over is one those rules
find nothing in: a test runs the rules with and without it. Without pyre2, every rule runs (same
results, slower).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from mairie_cli.privacy import names, numbers


class Look(NamedTuple):
    """Which families of rules a text needs."""

    anchors: bool  # words the name rules start from
    pairs: bool  # two capitalised words in a row
    mail_or_home: bool  # an « @ » as written, or where one lives
    numbers: bool  # five digits close together, or a house number before a way


EVERYTHING = Look(True, True, True, True)
NOTHING = Look(False, False, False, False)


#: RE2's memory for each pattern (what its automata may take; about 11 MiB is used). With the
#: first names, 8 MiB (the default) is too little: RE2 then falls back to a way 50× slower.
MAX_MEM = 32 << 20
#: Python's white space (``str.isspace``), as ``\s`` matches it; RE2's ``\s`` is ASCII's only.
SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def first_look(home_stems: Iterable[str], way: str, whole_way: str) -> Callable[[str], Look]:
    """The first look, given the words the « where one lives » rule starts from and the
    address rules' patterns of a way's word (RE2's automata are built on first use: importing
    this costs nothing)."""
    return _FirstLook(tuple(home_stems), way, whole_way)


class _FirstLook:
    def __init__(self, home_stems: tuple[str, ...], way: str, whole_way: str) -> None:
        self.home_stems = home_stems
        self.way, self.whole_way = way, whole_way
        self._patterns: list[Any] | None = None

    def __call__(self, text: str) -> Look:
        patterns = self._patterns if self._patterns is not None else self._compile()
        if not patterns:
            return EVERYTHING  # without pyre2, every rule runs
        # The four at once first (without groups: RE2 is fastest when only asked whether):
        # about half the texts hold none of them.
        either, anchors, pairs, mail_or_home, numbers = patterns
        if not either.contains(text):
            return NOTHING
        return Look(
            anchors.contains(text), pairs.contains(text), mail_or_home.contains(text), numbers.contains(text)
        )

    def _compile(self) -> list[Any]:
        self._patterns = []  # every rule runs, if RE2 cannot be had
        try:
            import re2
        except ImportError:  # pyre2 is a dependency; a source checkout may lack it
            return self._patterns
        space = f"[{SPACES}]"
        # The rules' own patterns where RE2 reads them alike, with Python's white space: what
        # the name rules need (``names.hints``), the « @ » hints.
        anchors, pairs = (hint.replace(r"\s", space) for hint in names.hints())
        at = "(?i:{})".format(numbers._AT_HINT.pattern.replace(r"\s", space))
        # ``detect._FIVE_DIGITS`` (where every number and postcode starts), and
        # ``detect._NUMBER_BEFORE_WAY`` with its look-arounds left out (it finds no fewer).
        way = f"(?:{self.way}|{self.whole_way})".replace(r"\s", space)
        house = rf"[0-9]{{1,4}}{space}?(?i:bis|ter|quater|[A-D])?{space}?,?{space}+{way}"
        digits = rf"[0-9](?:[^0-9]{{0,3}}[0-9]){{4}}|{house}"
        families = [  # in the order of ``Look``
            anchors, pairs, f"{at}|(?i:{_either(re2, self.home_stems)})", digits
        ]  # fmt: skip
        either = "|".join(f"(?:{pattern})" for pattern in families)
        compiled = [re2.compile(pattern, max_mem=MAX_MEM) for pattern in (either, *families)]
        # pyre2 hands what RE2 cannot read to Python's re, which would be slower than no first
        # look at all (another pyre2 than the one tested): then every rule runs.
        if all(isinstance(pattern, re2.Pattern) for pattern in compiled):
            self._patterns = compiled
        return self._patterns


def _either(re2: Any, words: Iterable[str]) -> str:
    return "|".join(re2.escape(word) for word in sorted(set(words), key=len, reverse=True))
