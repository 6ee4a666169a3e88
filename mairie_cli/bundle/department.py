"""A department's records: each contribution as its commune sent it, with where it comes from.

An association sends the national federation the records its communes signed, unchanged
(same fields, same canonical JSON: the federation recomputes the digest each commune
computed), with two fields more: ``insee``, the commune, and ``envoi``, the number of the
commune's bundle it came in. Nothing the communes did not send is added to a record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mairie_cli.bundle.bag import OpenedBag
from mairie_cli.bundle.format import COMMUNES, CONTRIBUTIONS, MAX_SEQUENCE, THEMES
from mairie_cli.bundle.records import CSV_HEADER, canonical_json, csv_row, record_digest, record_problem
from mairie_cli.errors import BundleInvalid, InvalidInsee
from mairie_cli.insee import normalize_insee

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


# -- reading a department's bundle (at the federation) -----------------------------------------


@dataclass(frozen=True)
class DepartmentLine:
    """One line of a department's ``contributions.jsonl``, checked."""

    record: dict[str, Any]  # as the commune signed it
    insee: str
    envoi: int
    digest: str  # of the department's line (its state summary is over these)
    commune_digest: str  # of the commune's record (the digest the commune signed)


def department_lines(bag: OpenedBag) -> Iterator[tuple[int, bytes]]:
    """The lines of a verified department bag's ``contributions.jsonl``, numbered from 1, as
    bytes: each is checked by ``check_department_line`` (in a worker process, for a large part)."""
    with bag.open(f"data/{CONTRIBUTIONS}") as handle:
        yield from enumerate(handle, start=1)


def check_department_line(raw: bytes, number: int, label: str) -> DepartmentLine:
    """One line, checked as a commune's record plus its provenance; ``BundleInvalid`` if it is not."""
    line = raw.rstrip(b"\n")
    where = f"« {label} » : {CONTRIBUTIONS}, ligne {number},"
    try:
        text = line.decode("utf-8")
        full = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise BundleInvalid(f"{where} est illisible.") from None
    if not isinstance(full, dict):
        raise BundleInvalid(f"{where} n'est pas un enregistrement.")
    insee, envoi = full.get("insee"), full.get("envoi")
    if not (isinstance(insee, str) and _is_insee(insee)):
        raise BundleInvalid(f"{where} n'a pas de code INSEE valide.")
    if not (type(envoi) is int and 1 <= envoi <= MAX_SEQUENCE):
        raise BundleInvalid(f"{where} n'a pas de numéro d'envoi de commune valide.")
    record = from_commune(full)
    problem = record_problem(record)
    if problem is None and canonical_json(full) != text:
        problem = "n'est pas écrite sous la forme canonique"
    if problem:
        raise BundleInvalid(f"{where} {problem}.")
    return DepartmentLine(record, insee, envoi, hashlib.sha256(line).hexdigest(), record_digest(record))


def _is_insee(code: str) -> bool:
    try:
        return normalize_insee(code) == code
    except InvalidInsee:
        return False


def read_description(bag: OpenedBag, label: str, department: str) -> dict[str, Any]:
    """``communes.json`` of a verified department bag, checked field by field: the communes the
    department speaks for (bundles received, keys, state) and its coverage."""
    value = _payload_json(bag, COMMUNES, label)
    coverage = value.get("coverage") if isinstance(value, dict) else None
    communes = value.get("communes") if isinstance(value, dict) else None
    silent = value.get("silent") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or value.get("departement") != department
        or not isinstance(value.get("association"), str)
        or not isinstance(coverage, dict)
        or not all(isinstance(k, str) and _count(v) for k, v in coverage.items())
        or not isinstance(communes, list) or len(communes) > 10_000
        or not all(_commune_ok(c) for c in communes)
        or not isinstance(silent, list) or len(silent) > 10_000
        or not all(_silent_ok(s) for s in silent)
    ):  # fmt: skip
        raise BundleInvalid(
            f"« {label} » : {COMMUNES} est mal formé ou ne décrit pas le département {department}."
        )
    return value


def read_theme_decisions(bag: OpenedBag, label: str) -> list[dict[str, Any]]:
    """The association's own theme decisions (``themes.json``), checked."""
    if f"data/{THEMES}" not in bag.payload:
        return []
    value = _payload_json(bag, THEMES, label)
    rows = value.get("corrections") if isinstance(value, dict) else None
    if not isinstance(rows, list) or not all(_theme_ok(r) for r in rows):
        raise BundleInvalid(f"« {label} » : {THEMES} est mal formé.")
    return rows


def _payload_json(bag: OpenedBag, name: str, label: str) -> Any:
    if f"data/{name}" not in bag.payload:
        raise BundleInvalid(f"« {label} » ne contient pas data/{name}.")
    try:
        return json.loads(bag.read(f"data/{name}"))
    except (OSError, ValueError):
        raise BundleInvalid(f"« {label} » : {name} est illisible.") from None


def _count(value: object) -> bool:
    return type(value) is int and 0 <= value <= 10**9


def _short(value: object, length: int = 500) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= length)


def _silent_ok(commune: object) -> bool:
    return (
        isinstance(commune, dict) and isinstance(commune.get("insee"), str)
        and _is_insee(commune["insee"]) and _short(commune.get("name"))
        and (commune.get("population") is None or _count(commune["population"]))
    )  # fmt: skip


def _commune_ok(commune: object) -> bool:
    if not _silent_ok(commune):
        return False
    assert isinstance(commune, dict)
    keys, bundles = commune.get("keys"), commune.get("bundles")
    return (
        isinstance(commune.get("listed"), bool) and _count(commune.get("contributions"))
        and _short(commune.get("state"), 50) and _short(commune.get("now_part_of"), 5)
        and isinstance(keys, list) and len(keys) <= 100
        and all(isinstance(k, dict) and _short(k.get("key_id"), 40) and _short(k.get("fingerprint"), 200)
                for k in keys)
        and isinstance(bundles, list) and len(bundles) <= 100_000
        and all(isinstance(b, dict) and _count(b.get("sequence")) and _count(b.get("parts"))
                and _short(b.get("digest"), 80) and _short(b.get("received_at"), 40) for b in bundles)
    )  # fmt: skip


def _theme_ok(row: object) -> bool:
    return (
        isinstance(row, dict) and isinstance(row.get("insee"), str) and _is_insee(row["insee"])
        and isinstance(row.get("uuid"), str) and len(row["uuid"]) == 36
        and isinstance(row.get("main"), str) and len(row["main"]) <= 100
        and isinstance(row.get("secondary"), list) and len(row["secondary"]) <= 20
        and all(isinstance(t, str) and len(t) <= 100 for t in row["secondary"]) and _short(row.get("at"), 40)
    )  # fmt: skip
