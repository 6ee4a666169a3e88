"""What a secretary types into « mairie chercher », as a safe SQLite FTS5 query."""

from __future__ import annotations

import re

from mairie_cli.errors import InvalidQuery

_QUERY_TERMS = re.compile(r'"([^"]*)"|(\S+)')


def build_fts_query(query: str) -> str:
    """Turn what a user types into a safe FTS5 query (no syntax error can reach SQLite)."""
    terms: list[str] = []
    for phrase, word in _QUERY_TERMS.findall(query):
        token = phrase if phrase else word
        prefix = token.endswith("*") and not phrase
        token = token.rstrip("*").replace('"', " ").strip()
        if not any(ch.isalnum() for ch in token):
            continue
        terms.append(f'"{token}"' + ("*" if prefix else ""))
    if not terms:
        raise InvalidQuery("Indiquez au moins un mot à chercher.")
    return " AND ".join(terms)
