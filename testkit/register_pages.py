"""Register pages as town halls typed them, with the truth of every entry: for the evaluation of
typed-page reading (``bench/eval_typed_pages.py``).

Written apart from the rules it measures: the entry bodies are real citizen texts (read where
they lie in ``../shared/corpus/texts``, never copied), the layouts, date formats, signatures,
headers and page numbers are drawn from their own lists here, with their own randomness.
"""

from __future__ import annotations

import json
import random
import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from testkit.synthetic import degrade, font

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
]  # fmt: skip
SHORT_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
FIRST = ["Odile", "Gérard", "Martine", "Thierry", "Colette", "Bernard", "Nadine", "Yves", "Solange", "Régis"]
LAST = [
    "Chabert",
    "Vernier",
    "Lacombe",
    "Morel",
    "Faure",
    "Bouvier",
    "Perrin",
    "Roussel",
    "Gauthier",
    "Mercier",
]
PLACES = ["La Combe", "le Bourg", "Les Granges", "Champ-Fleuri", "la Côte"]
TOWNS = ["Saint-Rambert", "Villars-les-Dombes", "Ceyzériat", "Pont-d'Ain", "Treffort"]


@dataclass
class Entry:
    """One contribution as the citizen wrote it, and what a reader should find in it."""

    body: str
    written_on: date | None
    author: str | None
    lines: list[str] = field(default_factory=list)  # as typed on the page


@dataclass
class Page:
    """A page: its lines, its entries, its margins (header, page number)."""

    lines: list[str]
    entries: list[Entry]
    margin_lines: list[str]
    number: int


def corpus_texts(corpus: Path, names: list[str], rng: random.Random, count: int) -> list[str]:
    """Real contributions of a reasonable length, from the named corpora, in random order."""
    texts: list[str] = []
    for name in names:
        path = corpus / name / "contributions.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                text = " ".join(json.loads(line).get("text", "").split())
                if 120 <= len(text) <= 700 and not any(ch in text for ch in "<>{}|\\"):
                    texts.append(text)
    rng.shuffle(texts)
    return texts[:count]


def date_line(day: date, rng: random.Random) -> str:
    """A date as people type it in a register."""
    forms = [
        lambda: f"Le {day:%d/%m/%Y}",
        lambda: f"{day.day} {MONTHS[day.month - 1]} {day.year}",
        lambda: f"{WEEKDAYS[day.weekday()]} {day.day} {SHORT_MONTHS[day.month - 1]} {day.year}",
        lambda: f"{day:%d/%m/%y}",
        lambda: f"Fait à {rng.choice(TOWNS)}, le {day.day} {MONTHS[day.month - 1]} {day.year}",
        lambda: f"Le {'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year} :",
    ]
    return rng.choice(forms)()


def signature_lines(rng: random.Random) -> tuple[list[str], str | None]:
    """How an entry is signed (or not): the lines, and the author a reader should find."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    forms: list[tuple[list[str], str | None]] = [
        ([f"Signé : {first} {last}"], f"{first} {last}"),
        ([f"Famille {last}"], f"Famille {last}"),
        ([f"Mme {last}, {rng.choice(PLACES)}"], f"Mme {last}, {rng.choice(PLACES)}"),
        ([f"{first} {last.upper()}"], f"{first} {last.upper()}"),
        ([], None),
    ]
    lines, author = rng.choice(forms)
    if lines and lines[0].startswith("Mme"):
        author = lines[0]
    return lines, author


def wrap(text: str, width: int, rng: random.Random, hyphens: bool) -> list[str]:
    """Lines of at most ``width`` characters; with ``hyphens``, long words are cut at the end
    of a line with a hyphen, as a typist did."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    if not hyphens:
        return lines
    result: list[str] = []
    carry = ""
    for line in lines:
        line = (carry + " " + line).strip() if carry else line
        carry = ""
        words = line.split(" ")
        if len(result) < len(lines) - 1 and rng.random() < 0.5 and len(words) > 2:
            nxt = words[-1]
            if len(nxt) >= 8 and nxt.isalpha():
                cut = rng.randint(3, len(nxt) - 3)
                result.append(" ".join(words[:-1] + [nxt[:cut] + "-"]))
                carry = nxt[cut:]
                continue
        result.append(line)
    if carry:
        result.append(carry)
    return result


def make_page(texts: list[str], number: int, rng: random.Random, commune: str) -> Page:
    """A page of two to four entries, with or without a running header and a page number."""
    width = rng.choice([62, 70, 78])
    header = rng.random() < 0.7
    lines: list[str] = []
    margins: list[str] = []
    if header:
        title = rng.choice([f"Cahier de doléances — Commune de {commune}", f"Mairie de {commune} — Registre"])
        lines += [title, ""]
        margins.append(title)
    entries: list[Entry] = []
    day = date(2018, 12, 10) + timedelta(days=rng.randint(0, 60))
    for text in texts:
        typed: list[str] = []
        dated = rng.random() < 0.85
        if dated:
            typed.append(date_line(day, rng))
        body = wrap(text, width, rng, hyphens=rng.random() < 0.6)
        typed += body
        signed, author = signature_lines(rng)
        typed += signed
        entries.append(Entry(text, day if dated else None, author, typed))
        lines += typed
        lines.append(rng.choice(["", "", "-" * 20]))
        day += timedelta(days=rng.randint(0, 3))
    if rng.random() < 0.8:
        footer = rng.choice([f"- {number} -", f"Page {number}", f"{number}"])
        lines += ["", footer]
        margins.append(footer)
    return Page(lines, entries, margins, number)


def render(page: Page, rng: random.Random, dpi: int, faint: int = 0) -> Image.Image:
    """The page typed in A4 (as many lines as fit), then scanned as a copier does."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = rng.choice([10, 11, 12])
    face = font(round(size * dpi / 72))
    step = round(size * dpi / 72 * 1.5)
    y = round(0.7 * dpi)
    for line in page.lines:
        if line:
            draw.text((round(0.8 * dpi), y), line, font=face, fill=0)
        y += step
    return degrade(
        image, skew=rng.choice([0.0, 0.0, 1.2, -2.0]), noise=rng.choice([0, 0, 6]), faint=faint,
        blur=1.0 if faint else 0.0, seed=rng.randint(0, 10**6),
    )  # fmt: skip


def fits(page: Page, dpi: int = 300) -> bool:
    """Whether every line fits on the A4 page at the smallest line spacing used."""
    return len(page.lines) * 12 * 1.5 * dpi / 72 + 0.7 * dpi < 11.2 * dpi
