"""A department's records: each contribution as its commune sent it, with where it comes from.

An association sends the national federation the records its communes signed, unchanged
(same fields, same canonical JSON: the federation recomputes the digest each commune
computed), with two fields more: ``insee``, the commune, and ``envoi``, the number of the
commune's bundle it came in. Nothing the communes did not send is added to a record.
"""

from __future__ import annotations

from typing import Any

from mairie_cli.bundle.records import CSV_HEADER, csv_row

#: The two fields a department's record adds to its commune's.
PROVENANCE = ("insee", "envoi")
DEPARTMENT_CSV_HEADER = ["commune (INSEE)", "envoi de la commune", *CSV_HEADER]


def commune_record(row: dict[str, Any]) -> dict[str, Any]:
    """The record a commune sent, rebuilt from what the association merged (its columns)."""
    deleted = row["deleted_at"] is not None
    scan = None if row["scan_file"] is None else {"file": row["scan_file"], "page": row["scan_page"]}
    record = {
        "author": None if deleted else row["author"],
        "cahier": row["cahier_id"],
        "created_at": row["created_at"],
        "date": row["written_on"],
        "deleted_at": row["deleted_at"],
        "nature": row["nature"],
        "page": row["page_number"],
        "position": row["position"],
        "scan": scan,
        "source": row["source"],
        "text": None if deleted else row["text"],
        "updated_at": row["updated_at"],
        "uuid": row["uuid"],
        "version": row["version"],
    }
    if row["note"] and not deleted:
        record["note"] = row["note"]
    return record


def department_record(row: dict[str, Any]) -> dict[str, Any]:
    """The line a department sends for one merged contribution."""
    return {**commune_record(row), "insee": row["insee"], "envoi": row["sequence"]}


def from_commune(record: dict[str, Any]) -> dict[str, Any]:
    """A department's record without its provenance: the record as the commune signed it."""
    return {k: v for k, v in record.items() if k not in PROVENANCE}


def department_csv_row(record: dict[str, Any]) -> list[str]:
    return [record["insee"], str(record["envoi"]), *csv_row(record)]
