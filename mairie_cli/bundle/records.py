"""What a contribution looks like once it leaves the town hall, and how a receiver reads it.

One record per contribution version, in canonical JSON (sorted keys, no spaces) so that the
association recomputes exactly the digests the commune computed. Author names never leave
in clear: they become a pseudonym that only the commune's own key derives. The schema is
written once here: ``export_record`` makes a record, ``record_problem`` checks one received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.format import CAHIERS, CONTRIBUTIONS
from mairie_cli.csvtext import no_formula
from mairie_cli.dates import MIN_DATE, format_fr
from mairie_cli.errors import BundleInvalid
from mairie_cli.models import Contribution, Nature, Source
from mairie_cli.textnorm import words_key

#: Columns of the CSV a person opens in Excel, in French.
CSV_HEADER = [
    "identifiant", "version", "cahier", "position", "page", "date", "nature", "texte",
    "auteur (pseudonyme)", "source", "modifiée le", "supprimée",
]  # fmt: skip
MAX_PAGE = 9999
MAX_TEXT = 1_000_000  # characters: a whole cahier typed as one entry would be shorter
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SCAN_FILE = re.compile(r"pages/[0-9a-f]{64}\.[a-z0-9]{1,5}")


@dataclass(frozen=True)
class Field:
    """One field of a record: its kind, whether it may be null, its bounds."""

    kind: str  # uuid, int, text, date, stamp, nature, source, scan
    nullable: bool = False
    low: int = 0
    high: int = 0


#: The record schema, written once: ``export_record`` writes these fields (and no other),
#: ``record_problem`` checks each of them in what a receiver reads.
SCHEMA: dict[str, Field] = {
    "author": Field("text", nullable=True, high=500),  # a pseudonym
    "cahier": Field("int", low=0, high=10**6),
    "created_at": Field("stamp"),
    "date": Field("date", nullable=True),
    "deleted_at": Field("stamp", nullable=True),
    "nature": Field("nature"),
    "page": Field("int", nullable=True, low=1, high=MAX_PAGE),
    "position": Field("int", low=0, high=10**9),
    "scan": Field("scan", nullable=True),
    "source": Field("source"),
    "text": Field("text", nullable=True, high=MAX_TEXT),
    "updated_at": Field("stamp"),
    "uuid": Field("uuid"),
    "version": Field("int", low=1, high=10**6),
}
#: Fields written only when they hold something: records without them stay as older versions
#: wrote them (same digests), and older bundles are still read.
OPTIONAL: dict[str, Field] = {"note": Field("text", nullable=True, high=MAX_TEXT)}
RECORD_KEYS = frozenset(SCHEMA)
_NATURES = frozenset(n.value for n in Nature)
_SOURCES = frozenset(s.value for s in Source)


class Pseudonyms:
    """Stable pseudonyms for authors: the same person gets the same one in this commune.

    « Jean Dupont », « JEAN  DUPONT » and « Jean Dupont » (accents aside) give the same
    pseudonym; without the commune's key nobody can tell who it is, or test a guess.
    """

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._known: dict[str, str] = {}

    def __call__(self, author: str | None) -> str | None:
        if not author:
            return None
        known = self._known.get(author)
        if known is None:
            mac = hmac.new(self.key, words_key(author).encode(), hashlib.sha256).digest()
            known = "Auteur-" + base64.b32encode(mac[:5]).decode()
            if len(self._known) < 50_000:  # authors repeat; memory stays bounded
                self._known[author] = known
        return known


def export_record(
    contribution: Contribution,
    pseudonym: Pseudonyms,
    scan: tuple[str, int] | None = None,
    text: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The exported form of a contribution; a tombstone carries no text and no note.

    ``scan`` names the scanned original the entry comes from, as ``(file, page)``: the file
    is ``pages/<sha256>.<ext>`` in a bundle exported with its scans. ``text`` is the text as
    it leaves the commune (personal data masked); by default, the text as written; ``note``
    likewise for the town hall's note.
    """
    c = contribution
    deleted = c.deleted_at is not None
    # Keys already in sorted order: canonical_json then has nothing to sort.
    record = {
        "author": None if deleted else pseudonym(c.author),
        "cahier": c.cahier_id,
        "created_at": c.created_at,
        "date": c.written_on,
        "deleted_at": c.deleted_at,
        "nature": c.nature.value,
        "page": c.page_number,
        "position": c.position,
        "scan": None if scan is None else {"file": scan[0], "page": scan[1]},
        "source": c.source.value,
        "text": None if deleted else (c.text if text is None else text),
        "updated_at": c.updated_at,
        "uuid": c.uuid,
        "version": c.version,
    }
    kept_note = None if deleted else (c.note if note is None else note)
    if kept_note:
        record["note"] = kept_note
    return record


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(record: dict[str, Any]) -> str:
    """One line of JSON, identical wherever it is computed (keys sorted, no spaces)."""
    return _CANONICAL.encode(record)


def record_digest(record: dict[str, Any]) -> str:
    """SHA-256 of a record's canonical JSON."""
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


@dataclass
class StateSummary:
    """Count and digest of every contribution a commune holds (tombstones included).

    The digest covers the lines « uuid version record-digest » in UUID order, so it changes
    if any contribution is missing, added, or differs in any exported field.
    """

    contributions: int = 0
    tombstones: int = 0
    digest: str = ""

    @classmethod
    def of_digests(cls, rows: Iterable[tuple[str, int, str, int | bool]]) -> StateSummary:
        """Summarise ``(uuid, version, record digest, deleted)`` given in UUID order."""
        summary = cls()
        rolling = hashlib.sha256()
        for uuid, version, digest, deleted in rows:
            if deleted:
                summary.tombstones += 1
            else:
                summary.contributions += 1
            rolling.update(f"{uuid} {version} {digest}\n".encode())
        summary.digest = rolling.hexdigest()
        return summary

    @classmethod
    def of(cls, records: Iterable[dict[str, Any]]) -> StateSummary:
        """Summarise records given in UUID order."""
        return cls.of_digests(
            (r["uuid"], r["version"], record_digest(r), r["deleted_at"] is not None) for r in records
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "contributions": self.contributions,
            "tombstones": self.tombstones,
            "digest": f"sha256:{self.digest}",
        }


_NATURE_LABELS = {n.value: n.label for n in Nature}


def csv_row(record: dict[str, Any]) -> list[str]:
    """A record as a CSV row for French Excel: dates JJ/MM/AAAA, nothing read as a formula."""
    return [
        record["uuid"], str(record["version"]), str(record["cahier"]), str(record["position"]),
        "" if record["page"] is None else str(record["page"]), format_fr(record["date"]),
        _NATURE_LABELS[record["nature"]], no_formula(record["text"] or ""),
        no_formula(record["author"] or ""), record["source"],
        format_fr(record["updated_at"]), format_fr(record["deleted_at"]),
    ]  # fmt: skip


# -- reading what was received ----------------------------------------------------------------


def record_problem(record: object) -> str | None:
    """Why a received record cannot be merged (a French clause), or None."""
    if not isinstance(record, dict) or set(record) - OPTIONAL.keys() != RECORD_KEYS:
        return "n'a pas les champs attendus"
    for name, spec in OPTIONAL.items():
        if record.get(name) is not None and not _valid(spec, record[name]):
            return f"a un champ « {name} » invalide"
    for name, spec in SCHEMA.items():
        value = record[name]
        if value is None:
            if not spec.nullable:
                return f"a un champ « {name} » vide"
            continue
        if not _valid(spec, value):
            if spec.kind in ("nature", "source"):
                return "a une nature ou une source inconnue"
            if spec.kind == "uuid":
                return "a un identifiant invalide"
            return f"a un champ « {name} » invalide"
    if record["deleted_at"] is None and not record["text"]:
        return "n'a pas de texte"
    return None


def _valid(spec: Field, value: object) -> bool:
    kind = spec.kind
    if kind == "int":
        return _integer(value, spec.low, spec.high)
    if kind == "scan":
        return (
            isinstance(value, dict) and set(value) == {"file", "page"}
            and isinstance(value["file"], str) and bool(_SCAN_FILE.fullmatch(value["file"]))
            and _integer(value["page"], 1, MAX_PAGE)
        )  # fmt: skip
    if not isinstance(value, str):
        return False  # a list, a number or a boolean where text belongs
    if kind == "text":
        return len(value) <= spec.high
    if kind == "uuid":
        return bool(_UUID.fullmatch(value))
    if kind == "nature":
        return value in _NATURES
    if kind == "source":
        return value in _SOURCES
    return plausible_date(value) if kind == "date" else plausible_stamp(value)


def _integer(value: object, low: int, high: int) -> bool:
    """A JSON integer (not a boolean) within bounds."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def plausible_date(value: str) -> bool:
    """An ISO date (``AAAA-MM-JJ``) that exists, from 2000 to tomorrow (time zones)."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10 and MIN_DATE <= day <= date.today() + timedelta(days=1)


def plausible_stamp(value: str) -> bool:
    """An ISO timestamp as mairie writes them (UTC), from 2000 to tomorrow."""
    if not 19 <= len(value) <= 40 or value[10:11] != "T":
        return False
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return MIN_DATE <= moment.date() <= date.today() + timedelta(days=1)


def read_records(bag: OpenedBag, label: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every record of a verified bag, checked, with the SHA-256 of its line; raises
    ``BundleInvalid`` on the first line that is unreadable, incomplete or not canonical."""
    with bag.open(f"data/{CONTRIBUTIONS}") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip(b"\n")
            try:
                text = line.decode("utf-8")
                record = json.loads(text)
            except (ValueError, UnicodeDecodeError):
                raise BundleInvalid(
                    f"« {label} » : {CONTRIBUTIONS}, ligne {number}, est illisible."
                ) from None
            problem = record_problem(record)
            if problem is None and canonical_json(record) != text:
                problem = "n'est pas écrite sous la forme canonique"
            if problem:
                raise BundleInvalid(f"« {label} » : {CONTRIBUTIONS}, ligne {number}, {problem}.")
            yield record, hashlib.sha256(line).hexdigest()


def read_cahiers(bag: OpenedBag, label: str) -> list[dict[str, Any]]:
    """The cahiers a verified bag describes (none when it has no ``cahiers.json``)."""
    if f"data/{CAHIERS}" not in bag.payload:
        return []
    try:
        value = json.loads(bag.read(f"data/{CAHIERS}"))
    except (OSError, ValueError):
        raise BundleInvalid(f"« {label} » : {CAHIERS} est illisible.") from None
    if not isinstance(value, list) or len(value) > 10_000 or not all(_cahier_ok(c) for c in value):
        raise BundleInvalid(f"« {label} » : {CAHIERS} est mal formé.")
    return value


def _cahier_ok(cahier: object) -> bool:
    """A cahier as ``Cahier.to_dict`` writes it: id, title, dates, notes (a count is ignored)."""
    if not isinstance(cahier, dict):
        return False
    identifier, title = cahier.get("id"), cahier.get("title")
    dates = [cahier.get("opened_on"), cahier.get("closed_on")]
    notes = cahier.get("notes")
    return (
        _integer(identifier, 0, 10**6)
        and isinstance(title, str) and 0 < len(title) <= 500
        and all(d is None or (isinstance(d, str) and plausible_date(d)) for d in dates)
        and (notes is None or (isinstance(notes, str) and len(notes) <= 10_000))
    )  # fmt: skip


def state_problem(state: object) -> str | None:
    """Why a state summary (``etat.json``) is malformed, or None."""
    if not isinstance(state, dict) or set(state) != {"contributions", "tombstones", "digest"}:
        return "n'a pas les champs attendus"
    counts = [state["contributions"], state["tombstones"]]
    if not all(_integer(c, 0, 10**9) for c in counts):
        return "a des nombres invalides"
    if not isinstance(state["digest"], str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", state["digest"]):
        return "a une empreinte invalide"
    return None
