"""What a contribution looks like once it leaves the town hall.

One record per contribution version, in canonical JSON (sorted keys, no spaces) so that the
association recomputes exactly the digests the commune computed. Author names never leave
in clear: they become a pseudonym that only the commune's own key derives.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mairie_cli.dates import format_fr
from mairie_cli.models import Contribution, Nature
from mairie_cli.textnorm import words_key

#: Columns of the CSV a person opens in Excel, in French.
CSV_HEADER = [
    "identifiant", "version", "cahier", "position", "page", "date", "nature", "texte",
    "auteur (pseudonyme)", "source", "modifiée le", "supprimée",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pseudonym(author: str | None, key: bytes) -> str | None:
    """A stable pseudonym for an author: the same person gets the same one in this commune.

    « Jean Dupont », « JEAN  DUPONT » and « Jean Dupont » (accents aside) give the same
    pseudonym; without the commune's key nobody can tell who it is, or test a guess.
    """
    if not author:
        return None
    mac = hmac.new(key, words_key(author).encode(), hashlib.sha256).digest()
    return "Auteur-" + base64.b32encode(mac[:5]).decode()


def export_record(contribution: Contribution, key: bytes) -> dict[str, Any]:
    """The exported form of a contribution; a tombstone carries no text."""
    c = contribution
    deleted = c.deleted_at is not None
    return {
        "uuid": c.uuid,
        "version": c.version,
        "cahier": c.cahier_id,
        "position": c.position,
        "page": c.page_number,
        "date": c.written_on,
        "nature": c.nature.value,
        "text": None if deleted else c.text,
        "author": None if deleted else pseudonym(c.author, key),
        "source": c.source.value,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "deleted_at": c.deleted_at,
    }


def canonical_json(record: dict[str, Any]) -> str:
    """One line of JSON, identical wherever it is computed."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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
    def of(cls, records: Iterable[dict[str, Any]]) -> StateSummary:
        """Summarise records given in UUID order."""
        summary = cls()
        rolling = hashlib.sha256()
        for record in records:
            if record["deleted_at"] is None:
                summary.contributions += 1
            else:
                summary.tombstones += 1
            rolling.update(f"{record['uuid']} {record['version']} {record_digest(record)}\n".encode())
        summary.digest = rolling.hexdigest()
        return summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "contributions": self.contributions,
            "tombstones": self.tombstones,
            "digest": f"sha256:{self.digest}",
        }


def csv_row(record: dict[str, Any]) -> list[str]:
    """A record as a CSV row for French Excel: dates JJ/MM/AAAA, nothing read as a formula."""
    values = [
        record["uuid"], str(record["version"]), str(record["cahier"]), str(record["position"]),
        "" if record["page"] is None else str(record["page"]), format_fr(record["date"]),
        Nature(record["nature"]).label, record["text"] or "", record["author"] or "", record["source"],
        format_fr(record["updated_at"]), format_fr(record["deleted_at"]),
    ]  # fmt: skip
    return [_no_formula(v) for v in values]


def csv_line(values: list[str]) -> str:
    """One CSV line, « ; » separated, CRLF (what French Excel expects)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _no_formula(value: str) -> str:
    # A citizen's text starting with « = » must stay text in a spreadsheet.
    return "'" + value if value.startswith(_FORMULA_START) else value
