"""The theme taxonomy: a readable, versioned TOML file, shipped and replaceable.

Reading it checks everything a person editing it can get wrong (a theme without words, an
official theme that does not exist, a duplicated id) and says so in French, with the file's
name; a classifier never starts on a half-understood taxonomy.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mairie_cli.errors import InvalidValue
from mairie_cli.files import cause

DEFAULT = Path(__file__).with_name("taxonomie.toml")
TO_CLASSIFY = "a_classer"


@dataclass(frozen=True)
class SubTheme:
    id: str
    label: str
    words: tuple[str, ...]
    expressions: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    official: str
    subthemes: tuple[SubTheme, ...]


@dataclass(frozen=True)
class Taxonomy:
    version: str
    title: str
    officials: dict[str, str]  # id -> label of the 2019 official theme
    themes: tuple[Theme, ...]
    noise: frozenset[str] = field(default_factory=frozenset)
    source: str = ""
    #: SHA-256 of the file's text: themes worked out with another file are never reused.
    digest: str = ""

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise InvalidValue(
            f"Le thème « {theme_id} » n'existe pas dans la taxonomie {self.version} : "
            f"{', '.join(t.id for t in self.themes)}."
        )

    def label(self, theme_id: str) -> str:
        return "À classer" if theme_id == TO_CLASSIFY else self.theme(theme_id).label

    def official_of(self, theme_id: str) -> str | None:
        return None if theme_id == TO_CLASSIFY else self.theme(theme_id).official


def load(path: Path | None = None) -> Taxonomy:
    """Read and check a taxonomy file (the one shipped with mairie by default)."""
    path = path or DEFAULT
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise InvalidValue(f"La taxonomie « {path} » ne se lit pas : {cause(exc)}.") from None
    except UnicodeDecodeError:
        raise InvalidValue(f"La taxonomie « {path.name} » n'est pas enregistrée en UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        at = f" (ligne {where[1]}, colonne {where[2]})" if where else ""
        raise InvalidValue(
            f"La taxonomie « {path.name} » est mal écrite{at} : vérifiez les guillemets, les crochets "
            "et les signes « = »."
        ) from None
    return replace(_parse(data, path.name), digest=hashlib.sha256(text.encode()).hexdigest())


def _parse(data: dict[str, Any], name: str) -> Taxonomy:
    def fail(reason: str) -> InvalidValue:
        return InvalidValue(f"La taxonomie « {name} » : {reason}")

    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise fail('il manque « version = "…" » (elle est écrite dans l\'onglet Méthode).')
    officials = data.get("officiels")
    if not isinstance(officials, dict) or not officials:
        raise fail("il manque la table [officiels] (les thèmes officiels du Grand Débat).")
    themes: list[Theme] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.get("theme") or [], start=1):
        if not isinstance(raw, dict):
            raise fail(f"le thème n° {number} est mal formé.")
        theme_id, label, official = raw.get("id"), raw.get("libelle"), raw.get("officiel")
        if not isinstance(theme_id, str) or not isinstance(label, str):
            raise fail(f"le thème n° {number} n'a pas d'« id » ou de « libelle ».")
        if theme_id in seen or theme_id == TO_CLASSIFY:
            raise fail(f"l'identifiant « {theme_id} » est pris deux fois (ou réservé).")
        seen.add(theme_id)
        if not isinstance(official, str) or official not in officials:
            raise fail(
                f"le thème « {theme_id} » dit se ranger sous « {official} », qui n'est pas dans [officiels]."
            )
        subthemes = []
        for sub in raw.get("sous_theme") or []:
            words = [w for w in sub.get("mots") or [] if isinstance(w, str) and w.strip()]
            expressions = [e for e in sub.get("expressions") or [] if isinstance(e, str) and e.strip()]
            if not isinstance(sub.get("id"), str) or not (words or expressions):
                raise fail(f"un sous-thème de « {theme_id} » n'a pas d'« id » ou n'a aucun mot.")
            subthemes.append(
                SubTheme(sub["id"], str(sub.get("libelle") or sub["id"]), tuple(words), tuple(expressions))
            )
        if not subthemes:
            raise fail(f"le thème « {theme_id} » n'a aucun sous-thème.")
        themes.append(Theme(theme_id, label, official, tuple(subthemes)))
    if not themes:
        raise fail("elle ne contient aucun [[theme]].")
    noise = frozenset(str(w).lower() for w in data.get("bruit") or [])
    return Taxonomy(
        version.strip(), str(data.get("titre") or ""), dict(officials), tuple(themes), noise, name
    )
