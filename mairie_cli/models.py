"""Plain data objects shared by every layer (no I/O here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum
from typing import Any

from mairie_cli.errors import InvalidNature
from mairie_cli.textnorm import fold


class Nature(str, Enum):
    """What kind of entry a citizen wrote."""

    DOLEANCE = "doleance"
    PROPOSITION = "proposition"
    AUTRE = "autre"

    @property
    def label(self) -> str:
        """The French word shown to users."""
        return _NATURE_LABELS[self]

    @classmethod
    def parse(cls, value: str) -> Nature:
        """Read a nature as people write it: « Doléance », « doleance », « D », « prop. »…"""
        key = fold(value).strip(" .")
        if key in _NATURE_SYNONYMS:
            return _NATURE_SYNONYMS[key]
        raise InvalidNature(
            f"La nature « {value.strip()} » est inconnue : indiquez doléance (d), "
            "proposition (p) ou autre (a)."
        )


_NATURE_LABELS = {
    Nature.DOLEANCE: "doléance",
    Nature.PROPOSITION: "proposition",
    Nature.AUTRE: "autre",
}

_NATURE_SYNONYMS: dict[str, Nature] = {
    **dict.fromkeys(
        ["d", "doleance", "doleances", "grief", "griefs", "plainte", "reclamation", "critique"],
        Nature.DOLEANCE,
    ),
    **dict.fromkeys(
        ["p", "prop", "proposition", "propositions", "suggestion", "suggestions", "idee", "idees"],
        Nature.PROPOSITION,
    ),
    **dict.fromkeys(["a", "autre", "autres", "divers", "remarque", "observation"], Nature.AUTRE),
}


class TextEnum(str, Enum):
    """An enum whose members are the French words stored in the databases and files."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class EntryStatus(TextEnum):
    """Whether a contribution is ready to leave (an OCR draft is not, until proofread)."""

    DRAFT = "brouillon"
    PROOFREAD = "relue"


class PageStatus(TextEnum):
    """Where a scanned page stands."""

    TO_READ = "a_lire"
    DRAFTS = "brouillon"  # typed: its drafts wait for proofreading
    HANDWRITTEN = "manuscrit"  # waits to be typed
    PROOFREAD = "relue"
    BLANK = "vide"
    FAILED = "echec"


class Source(str, Enum):
    """How a contribution entered the register."""

    TYPED = "saisie"
    IMPORT = "import"
    OCR = "ocr"


@dataclass(frozen=True)
class Commune:
    """The commune a workspace belongs to."""

    insee: str
    name: str | None
    department: str


@dataclass(frozen=True)
class Cahier:
    """A physical register opened in the town hall."""

    id: int
    title: str
    opened_on: str | None
    closed_on: str | None = None
    notes: str | None = None
    count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)


@dataclass(frozen=True)
class Contribution:
    """One citizen entry, at its current version."""

    uuid: str
    version: int
    cahier_id: int
    position: int
    nature: Nature
    text: str
    source: Source
    created_at: str
    updated_at: str
    written_on: str | None = None
    author: str | None = None
    page_number: int | None = None
    deleted_at: str | None = None
    cahier_title: str | None = None
    page_id: int | None = None
    status: EntryStatus = EntryStatus.PROOFREAD  # DRAFT for an OCR draft not yet proofread
    region: dict[str, Any] | None = None  # where an OCR draft lies on its page
    note: str | None = None  # the town hall's note beside the text (not the citizen's words)

    @property
    def short_id(self) -> str:
        """The abbreviation shown in listings (accepted back by every command)."""
        return self.uuid[:8]

    @property
    def deleted(self) -> bool:
        """True for a tombstone."""
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (enums as their values)."""
        data = asdict(self)
        data["nature"] = self.nature.value
        data["source"] = self.source.value
        data["status"] = self.status.value
        return data


@dataclass(frozen=True)
class NewContribution:
    """What a caller gives to create an entry; the register fills in the rest."""

    text: str
    nature: Nature = Nature.DOLEANCE
    written_on: date | None = None
    author: str | None = None
    page_number: int | None = None
    source: Source = Source.TYPED
    import_key: str | None = None
    page_id: int | None = None
    status: EntryStatus = EntryStatus.PROOFREAD
    region: dict[str, Any] | None = None
    note: str | None = None
