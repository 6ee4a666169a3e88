"""Reading a handwritten line with French words in mind.

The recogniser gives, for each frame of a line, the probability of every character (CTC).
Keeping the likeliest character of each frame, as RapidOCR does, glues words together
(« Ceciest mvy testameut ») and keeps letter strings no French word has. Here a line is decoded
by a beam search over the same probabilities in which each word formed is scored by its
frequency in French (wordfreq's French list, 311,000 words and names, inside its wheel: nothing
is fetched): a word the list knows, or that is on its way to one, is preferred to letters it does
not know, as far as the recogniser's own doubt allows. A word outside the list (a surname, a
place) stays possible, at a cost; digits are left to the recogniser. The list knows no case, so
French's own rule is added: an article, a preposition, a pronoun or a conjunction is written in
lower case inside a sentence, and a capital on one there (« marchand De vin ») costs what a
reading 30 times less likely would (``CASE_COST``): when the recogniser hesitates between « D »
and « d », French decides; when it is sure, the writer's capital stays. Then what French spelling
says of marks a hand sets apart: an accent read as an apostrophe after its « e » is joined to
it (« le'gataire » → « légataire »), a space read before a comma or a full stop is left out,
and a pen's last stroke read as a hyphen at the end of a line is not taken for a word cut.

Measured on the real handwritten pages (``bench/eval_handwriting.py``): see the README.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from functools import cache
from typing import Any

from mairie_cli.ocr.engines import Word

#: Weight of the word frequencies against the recogniser's probabilities, and the reward for
#: each word formed (without it, the fewest words win: glued words again).
WEIGHT = 0.5
WORD_BONUS = 4.0
#: The log-frequency given to a word outside the list: rarer than any word in it (10⁻⁸).
UNKNOWN = math.log(1e-9)
BEAM = 16  # prefixes kept at each frame
CANDIDATES = 6  # characters tried at a frame at most
FLOOR = 0.01  # a character less likely than this at a frame is not tried there
#: Characters that end a word (the list splits « l'homme » and « peut-être » there too).
_ENDS_WORD = frozenset(" '’-.,;:!?\"()[]/«»")
_NONE = -math.inf
#: What a capital costs a word French writes in lower case inside a sentence (articles,
#: prepositions, pronouns, conjunctions: « De », « Le » read in mid-line), as a log-probability:
#: the recogniser's own certainty of the capital can still outweigh it. Chosen on the tuning
#: half of the real pages (0.01 did as well there; 0.1 and 0.3, a little less well).
CASE_COST = math.log(0.03)
_LOWER_INSIDE = frozenset(
    "le la les un une des du au aux de en par pour sur dans avec sans sous chez vers et ou ni que "
    "qui mais donc car mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je me te se "
    "ce il elle on nous vous ils elles lui ne pas y a à".split()
)
_SENTENCE_ENDS = frozenset(".!?")
_PARTS = re.compile(r"[^\W_]+")  # the letters and digits of a word as read, between its marks
#: An accent written apart from its letter, read as an apostrophe or an accent sign after it
#: (« le'gataire », « re´serve »). No French word has one after an « e »: elision drops the « e »
#: (« l'école »). So the two are one letter: « é », or « è » where only that makes a word the
#: list knows (« pe're » → « père »).
_DETACHED_ACCENT = re.compile(r"([eE])['’´`](?=[^\W\d_])")
_ACCENTED = {"e": ("é", "è"), "E": ("É", "È")}
#: The last word of a line ended by a hyphen: its letters (not « -do- », a ditto mark).
_HYPHEN_ENDED = re.compile(r"(?<![-\w])([^\W\d_]+)-$")
_LETTERS = re.compile(r"[^\W\d_]+")
#: Spaces the recogniser saw before a comma or a full stop (a hand sets them apart): French puts
#: none there.
_SPACE_BEFORE_STOP = re.compile(r"(?<=[^\W_]) +(?=[.,](?!\S))")


class FrenchWords:
    """Natural-log frequencies of French words, and of the best word each prefix can become."""

    def __init__(self, frequencies: dict[str, float]) -> None:
        self.known = {word: math.log(f) for word, f in frequencies.items() if f > 0}
        self.prefixes: dict[str, float] = {}
        for word, value in self.known.items():
            for end in range(1, len(word)):
                prefix = word[:end]
                if self.prefixes.get(prefix, _NONE) < value:
                    self.prefixes[prefix] = value

    def knows(self, word: str) -> bool:
        """Whether a word (any case) is in the list, or is a number."""
        lower = word.lower()
        return lower in self.known or lower.isdigit()

    def made_of(self, read: str) -> bool:
        """Whether a word as read (« l'école », « testament. ») is made of words of the list."""
        return all(map(self.knows, _PARTS.findall(read)))

    def word(self, word: str) -> float:
        """A finished word's score: its frequency, else ``UNKNOWN``; a number is neutral."""
        lower = word.lower()
        value = self.known.get(lower)
        if value is not None:
            return value
        return 0.0 if lower.isdigit() else UNKNOWN

    def partial(self, word: str) -> float:
        """An unfinished word's score: the best word it may become (or is already)."""
        lower = word.lower()
        best = max(self.prefixes.get(lower, _NONE), self.known.get(lower, _NONE))
        if best > _NONE:
            return best
        return 0.0 if lower.isdigit() else UNKNOWN


@cache
def load() -> FrenchWords:
    """wordfreq's large French list, from its wheel (once per process: about a second, and
    115 MiB for the words and their prefixes)."""
    import wordfreq

    return FrenchWords(wordfreq.get_frequency_dict("fr", wordlist="large"))


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b))."""
    if a == _NONE:
        return b
    if b == _NONE:
        return a
    high = max(a, b)
    return high + math.log(math.exp(a - high) + math.exp(b - high))


class _Prefix:
    """A reading of the line so far: its probability ending in a blank (``blank``) or in its
    last character (``char``), the score of its finished words, its unfinished word, and the
    frame and probability of each of its characters."""

    __slots__ = ("blank", "char", "words", "word", "ahead", "frames", "probs")

    def __init__(
        self, words: float, word: str, ahead: float, frames: tuple[int, ...], probs: tuple[float, ...]
    ) -> None:
        self.blank = self.char = _NONE
        self.words, self.word, self.ahead = words, word, ahead
        self.frames, self.probs = frames, probs

    def rank(self) -> float:
        return _add(self.blank, self.char) + self.words + self.ahead


def decode(probs: Any, characters: list[str], words: FrenchWords) -> tuple[str, list[int], list[float]]:
    """The likeliest reading of a line's (frames × characters) probabilities, index 0 the CTC
    blank: its text, and the frame and probability of each of its characters."""
    frames = _candidates(probs)
    blanks = [math.log(max(float(p), 1e-12)) for p in probs[:, 0]]
    beams: dict[str, _Prefix] = {"": _Prefix(0.0, "", 0.0, (), ())}
    beams[""].blank = 0.0
    for t, found in enumerate(frames):
        if not found:  # only the blank (most frames): every reading stays as it is
            for prefix in beams.values():
                prefix.blank, prefix.char = _add(prefix.blank, prefix.char) + blanks[t], _NONE
            continue
        following: dict[str, _Prefix] = {}
        for text, prefix in beams.items():
            _extend(following, text, prefix, t, blanks[t], found, characters, words)
        beams = dict(sorted(following.items(), key=lambda item: item[1].rank(), reverse=True)[:BEAM])
    text, best = max(beams.items(), key=lambda item: _final(item[1], item[0], words))
    return _stops_closed_up(*_accents_joined(text, list(best.frames), list(best.probs), words))


def _stops_closed_up(text: str, frames: list[int], probs: list[float]) -> tuple[str, list[int], list[float]]:
    """The reading without a space before a comma or a full stop (``_SPACE_BEFORE_STOP``)."""
    for space in reversed(list(_SPACE_BEFORE_STOP.finditer(text))):
        text = text[: space.start()] + text[space.end() :]
        del frames[space.start() : space.end()], probs[space.start() : space.end()]
    return text, frames, probs


def _accents_joined(
    text: str, frames: list[int], probs: list[float], words: FrenchWords
) -> tuple[str, list[int], list[float]]:
    """The reading with each accent read apart from its « e » (``_DETACHED_ACCENT``) joined to
    it: one character, at the letter's frame, as sure as the less sure of the two."""
    for match in reversed(list(_DETACHED_ACCENT.finditer(text))):
        at = match.start()
        acute, grave = (text[:at] + letter + text[at + 2 :] for letter in _ACCENTED[match[1]])
        start = end = at
        while start and acute[start - 1].isalpha():
            start -= 1
        while end < len(acute) and acute[end].isalpha():
            end += 1
        only_grave = words.knows(grave[start:end]) and not words.knows(acute[start:end])
        text = grave if only_grave else acute
        probs[at] = min(probs[at], probs.pop(at + 1))
        del frames[at + 1]
    return text, frames, probs


def pen_strokes_dropped(lines: list[list[Word]], words: FrenchWords) -> list[list[Word]]:
    """The words of a page's lines (in reading order) without the hyphens that end a line as a
    pen's last stroke rather than as a word cut: the word before it and the next line's first
    word are words the list knows, and no word joins them (« disposer en- / toute »; « en- /
    tendre », « vingt- / cinq » stay cut). The draft would join them (« entoute »)."""
    for line, following in zip(lines, lines[1:], strict=False):
        head, tail = _HYPHEN_ENDED.search(line[-1].text), _LETTERS.match(following[0].text)
        if head is None or tail is None or not tail[0].islower():
            continue
        first, second = head[1], tail[0]
        joined = words.knows(first + second) or words.knows(f"{first}-{second}")
        if words.knows(first) and words.knows(second) and not joined:
            line[-1] = replace(line[-1], text=line[-1].text[:-1])
    return lines


def _candidates(probs: Any) -> list[list[tuple[int, float]]]:
    """For each frame, the characters worth trying there (likeliest first) and their probability."""
    import numpy as np

    rows, columns = np.nonzero(probs[:, 1:] >= FLOOR)
    frames: list[list[tuple[int, float]]] = [[] for _ in range(len(probs))]
    for t, c, p in zip(rows.tolist(), (columns + 1).tolist(), probs[rows, columns + 1].tolist(), strict=True):
        frames[t].append((c, p))
    return [sorted(f, key=lambda cp: -cp[1])[:CANDIDATES] if len(f) > 1 else f for f in frames]


def _extend(
    following: dict[str, _Prefix], text: str, prefix: _Prefix, t: int, blank: float,
    found: list[tuple[int, float]], characters: list[str], words: FrenchWords,
) -> None:  # fmt: skip
    """Every reading one frame further from ``text``: a blank, its last character held, or a
    new character (a word finished when it ends one)."""
    total = _add(prefix.blank, prefix.char)
    same = _reach(following, text, prefix.words, prefix.word, prefix.ahead, prefix.frames, prefix.probs)
    same.blank = _add(same.blank, total + blank)
    last = text[-1:] or None
    for index, p in found:
        char, log_p = characters[index], math.log(p)
        if char == last:
            same.char = _add(same.char, prefix.char + log_p)  # held: the same character
            score = prefix.blank + log_p  # after a blank: the character again
        else:
            score = total + log_p
        if score == _NONE:
            continue
        frames, probs = (*prefix.frames, t), (*prefix.probs, p)
        if char in _ENDS_WORD:
            done = prefix.words + (_finished(prefix.word, text, words) if prefix.word else 0.0)
            new = _reach(following, text + char, done, "", 0.0, frames, probs)
        else:
            word = prefix.word + char
            ahead = WEIGHT * words.partial(word) + WORD_BONUS
            new = _reach(following, text + char, prefix.words, word, ahead, frames, probs)
        new.char = _add(new.char, score)


def _reach(
    following: dict[str, _Prefix], text: str, done: float, word: str, ahead: float,
    frames: tuple[int, ...], probs: tuple[float, ...],
) -> _Prefix:  # fmt: skip
    """The reading ``text`` at the next frame (its probabilities add up over the paths to it)."""
    prefix = following.get(text)
    if prefix is None:
        prefix = following[text] = _Prefix(done, word, ahead, frames, probs)
    return prefix


def _finished(word: str, text: str, words: FrenchWords) -> float:
    """A word's score when it ends (``text``: the line so far, the word last): its frequency and
    bonus, less ``CASE_COST`` if it is capitalised inside a sentence where French would not."""
    score = WEIGHT * words.word(word) + WORD_BONUS
    capitalised = (word[0].isupper() and word[1:].islower()) or (len(word) == 1 and word.isupper())
    if capitalised and word.lower() in _LOWER_INSIDE:
        before = text[: len(text) - len(word)].rstrip()  # the line before the word
        if before and before[-1] not in _SENTENCE_ENDS:
            score += CASE_COST
    return score


def _final(prefix: _Prefix, text: str, words: FrenchWords) -> float:
    last = _finished(prefix.word, text, words) if prefix.word else 0.0
    return _add(prefix.blank, prefix.char) + prefix.words + last
