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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.format import CAHIERS, CONTRIBUTIONS
from mairie_cli.csvtext import no_formula
from mairie_cli.dates import format_fr
from mairie_cli.errors import BundleInvalid
from mairie_cli.models import Contribution, Nature, Source
from mairie_cli.textnorm import words_key

#: Columns of the CSV a person opens in Excel, in French.
CSV_HEADER = [
    "identifiant", "version", "cahier", "position", "page", "date", "nature", "texte",
    "auteur (pseudonyme)", "source", "modifiée le", "supprimée",
]  # fmt: skip
#: The fields of a record, every one always present (``null`` when empty).
RECORD_KEYS = frozenset({
    "author", "cahier", "created_at", "date", "deleted_at", "nature", "page", "position", "scan",
    "source", "text", "updated_at", "uuid", "version",
})  # fmt: skip
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
) -> dict[str, Any]:
    """The exported form of a contribution; a tombstone carries no text.

    ``scan`` names the scanned original the entry comes from, as ``(file, page)``: the file
    is ``pages/<sha256>.<ext>`` in a bundle exported with its scans. ``text`` is the text as
    it leaves the commune (personal data masked); by default, the text as written.
    """
    c = contribution
    deleted = c.deleted_at is not None
    # Keys already in sorted order: canonical_json then has nothing to sort.
    return {
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


def csv_row(record: dict[str, Any]) -> list[str]:
    """A record as a CSV row for French Excel: dates JJ/MM/AAAA, nothing read as a formula."""
    return [
        record["uuid"], str(record["version"]), str(record["cahier"]), str(record["position"]),
        "" if record["page"] is None else str(record["page"]), format_fr(record["date"]),
        Nature(record["nature"]).label, no_formula(record["text"] or ""),
        no_formula(record["author"] or ""), record["source"],
        format_fr(record["updated_at"]), format_fr(record["deleted_at"]),
    ]  # fmt: skip


# -- reading what was received ----------------------------------------------------------------


def record_problem(record: object) -> str | None:
    """Why a received record cannot be merged (a French clause), or None."""
    if not isinstance(record, dict) or set(record) != RECORD_KEYS:
        return "n'a pas les champs attendus"
    if not isinstance(record["uuid"], str) or len(record["uuid"]) != 36:
        return "a un identifiant invalide"
    for name in ("version", "cahier", "position"):
        if not isinstance(record[name], int) or isinstance(record[name], bool) or record[name] < 0:
            return f"a un champ « {name} » invalide"
    if record["nature"] not in _NATURES or record["source"] not in _SOURCES:
        return "a une nature ou une source inconnue"
    for name in ("text", "author", "date", "deleted_at", "created_at", "updated_at"):
        if record[name] is not None and not isinstance(record[name], str):
            return f"a un champ « {name} » invalide"
    if record["deleted_at"] is None and not record["text"]:
        return "n'a pas de texte"
    scan = record["scan"]
    if scan is not None and not (isinstance(scan, dict) and isinstance(scan.get("file"), str)):
        return "a une référence de page scannée invalide"
    return None


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
    if not isinstance(value, list) or not all(
        isinstance(c, dict) and isinstance(c.get("id"), int) and isinstance(c.get("title"), str)
        for c in value
    ):
        raise BundleInvalid(f"« {label} » : {CAHIERS} est mal formé.")
    return value
