"""The national synthesis's workers: each reads a range of communes from the federation's base,
takes their themes as stored at reception (or classifies them, with another taxonomy file),
writes their CSV lines, and tallies what they count for (per commune and theme; per theme, the
best text of each department). Nothing but the lines and the tallies crosses back to the
process that writes the files."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mairie_cli.csvtext import csv_field, no_formula
from mairie_cli.dates import format_fr
from mairie_cli.models import Nature
from mairie_cli.storage.database import open_reader
from mairie_cli.storage.national.store import NationalStore
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy, load
from mairie_cli.textnorm import content_words

#: Representative texts: per theme, the highest scores of the classifier for that theme among
#: texts of 150 to 1,200 characters, at most one per department.
QUOTES, QUOTE_MIN, QUOTE_MAX = 5, 150, 1200


class Tally:
    """Counts per commune and theme, and per theme the best text of each department: what a
    worker gathers on its share and this process adds up (bounded, whatever the size)."""

    def __init__(self) -> None:
        self.by_commune: dict[str, Counter[str]] = {}
        self.department_of: dict[str, str] = {}
        # Per theme, the best text of each department (score, tie-break, what is shown).
        self.quotes: dict[str, dict[str, tuple[float, str, tuple[str, str, str, str]]]] = {}

    def add(self, department: str, insee: str, main: str) -> None:
        counts = self.by_commune.get(insee)
        if counts is None:
            counts = self.by_commune[insee] = Counter()
            self.department_of[insee] = department
        counts[main] += 1

    def offer(
        self, department: str, insee: str, main: str, score: float, quote: tuple[str, str, str, str]
    ) -> None:
        """A text that may represent its theme: kept if it is its department's best so far."""
        text = quote[3]
        if main != TO_CLASSIFY and QUOTE_MIN <= len(text) <= QUOTE_MAX:
            best = self.quotes.setdefault(main, {})
            held = best.get(department)
            if held is None or score >= held[0]:
                entry = (score, f"{insee}{text[:40]}", quote)
                if held is None or entry > held:
                    best[department] = entry

    def merge(self, other: Tally) -> None:
        for insee, counts in other.by_commune.items():
            if insee in self.by_commune:
                self.by_commune[insee].update(counts)
            else:
                self.by_commune[insee] = counts
                self.department_of[insee] = other.department_of[insee]
        for theme, entries in other.quotes.items():
            best = self.quotes.setdefault(theme, {})
            for department, entry in entries.items():
                if department not in best or entry > best[department]:
                    best[department] = entry


@dataclass
class Part:
    """A worker's share: its communes' CSV lines, how many, what they count for, and the themes
    it worked out again with the packaged taxonomy, to be stored (main, secondary as JSON,
    score, taxonomy digest, insee, uuid)."""

    csv: str
    rows: int
    tally: Tally
    worked_out: list[tuple[str, str, float, str, str, str]] = field(default_factory=list)


class Reader:
    """A worker: reads a range of communes from the base, takes their themes as stored when
    they were received (or classifies them, with another taxonomy) and writes their CSV lines
    (a million lines: what repeats — a commune's columns, labels, dates — is quoted once)."""

    def __init__(self, db_path: Path, taxonomy: Taxonomy, packaged: bool = False) -> None:
        """``packaged``: the taxonomy reception stores themes with (what is worked out again
        with it — the stored themes were another version's — goes back to the base)."""
        self.store = NationalStore(open_reader(db_path))
        self.packaged = packaged
        self.classifier = Classifier(taxonomy)
        self.digest = taxonomy.digest
        self.secondary: dict[str, tuple[str, ...]] = {}  # stored JSON -> themes
        known = {t.id for t in taxonomy.themes} | {TO_CLASSIFY}
        self.overrides: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
        for insee, uuid, main, listed in self.store.theme_decisions():
            others = tuple(json.loads(listed))
            if all(t in known for t in (main, *others)):  # another taxonomy's theme cannot apply
                self.overrides[(insee, uuid)] = (main, others)
        self.labels = {t: taxonomy.label(t) for t in known}
        self.themes = {t: f"{csv_field(self.labels[t])};" for t in known}
        self.officials = {
            t: csv_field(taxonomy.officials.get(taxonomy.official_of(t) or "", "")) for t in known
        }
        self.natures = {n.value: csv_field(n.label) for n in Nature}
        self.names = {c["insee"]: no_formula(c["name"] or "") for c in self.store.communes()}
        self.others_of: dict[tuple[str, ...], str] = {}
        self.dates: dict[str | None, str] = {}

    def close(self) -> None:
        self.store.db.conn.close()

    def themes_of(
        self, text: str, main: str | None, secondary: str | None, score: float | None, digest: str | None
    ) -> tuple[str, tuple[str, ...], float] | None:
        """The themes stored at reception if this taxonomy made them, else None."""
        if digest == self.digest and main is not None and secondary is not None:
            others = self.secondary.get(secondary)
            if others is None:
                others = self.secondary[secondary] = tuple(json.loads(secondary))
            return main, others, score or 0.0
        return None

    def part(self, first: str, last: str) -> Part:
        tally, lines, worked_out = Tally(), [], []
        communes: dict[str, str] = {}  # insee -> « department;insee;name; »
        rows = self.store.synthesis_rows(first, last)
        for department, insee, uuid, sequence, envoi, written_on, nature, text, *stored in rows:
            text = text or ""
            found = self.themes_of(text, *stored)
            if found is None:
                found = self.classifier.themes(content_words(text))
                if self.packaged:
                    secondary_json = json.dumps(list(found[1]))
                    worked_out.append((found[0], secondary_json, found[2], self.digest, insee, uuid))
            main, secondary, score = found
            if (insee, uuid) in self.overrides:
                main, secondary = self.overrides[(insee, uuid)]
                score = score if main == found[0] else 0.0
            commune = communes.get(insee)
            if commune is None:
                commune = communes[insee] = f"{department};{insee};{csv_field(self.names.get(insee, ''))};"
            written = self.dates.get(written_on)
            if written is None:
                written = self.dates[written_on] = format_fr(written_on)
            others = self.others_of.get(secondary)
            if others is None:
                others = self.others_of[secondary] = csv_field(", ".join(self.labels[t] for t in secondary))
            lines.append(
                f"{commune}{sequence};{envoi};{written};{self.natures[nature]};{self.themes[main]}{others};"
                f"{self.officials[main]};{csv_field(no_formula(text))}\r\n"
            )
            tally.add(department, insee, main)
            tally.offer(
                department, insee, main, score, (department, self.names.get(insee, ""), written, text)
            )
        return Part("".join(lines), len(rows), tally, worked_out)


_reader: Reader | None = None


def start(db_path: str, taxonomy_path: str | None) -> None:
    global _reader
    if _reader is not None:  # this process, for a small synthesis: a previous one's reader
        _reader.close()
    _reader = Reader(Path(db_path), load(Path(taxonomy_path) if taxonomy_path else None), not taxonomy_path)


def read(ranges: list[tuple[str, str]]) -> list[Part]:
    assert _reader is not None
    return [_reader.part(first, last) for first, last in ranges]


def stop() -> None:
    """Close this process's reader, if a small synthesis ran here."""
    global _reader
    if _reader is not None:
        _reader.close()
        _reader = None
