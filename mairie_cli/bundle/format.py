"""The bundle format in one place: how a bundle file is named, what its bag holds, the
``Mairie-*`` keys of ``bag-info.txt``, and the trusted comment its signature carries.

A format change touches this folder only. Two levels send bundles: a commune to its
department's association, and an association (its department's merged contributions) to the
national federation; both write with it, and a receiver at any level reads with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mairie_cli.errors import BundleInvalid, ExportFailed

#: Payload files (under ``data/``).
CONTRIBUTIONS = "contributions.jsonl"
CONTRIBUTIONS_CSV = "contributions.csv"
CAHIERS = "cahiers.json"
STATE = "etat.json"
MASKING = "masquage.json"
#: Scanned originals (``pages/<sha256>.<ext>``) and their masked copies (``pages-masquees/``).
SCANS = "pages/"
MASKED_SCANS = "pages-masquees/"
#: The signer's public key, a tag file: it proves nothing by itself, but lets the receiver
#: show the fingerprint of an unknown key and trust it after a phone call.
KEY_FILE = "cle-commune.pub"

DEFAULT_MAX_SIZE = 10 * 1024**2
FAT32_MAX = 4 * 1024**3 - 1
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([kmgt]?)(?:i?o|i?b)?\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"^mairie (commune|departement)=(\S+) sequence=(\d+) partie=(\d+)/(\d+)$")
MAX_PARTS = 10_000
MAX_SEQUENCE = 10**9
#: Export kinds as ``Mairie-Export`` writes them.
FULL, CHANGES = "complet", "modifications"
#: Who sends a bundle, as ``Mairie-Niveau`` says (a commune's bundles, older ones included,
#: do not say it).
COMMUNE, DEPARTMENT = "commune", "departement"
#: What a department's bundle holds beside its contributions: per commune, where they come from.
COMMUNES = "communes.json"
#: The association's own decisions on themes, for the national synthesis.
THEMES = "themes.json"


def bundle_name(sender: str, sequence: int, part: int, parts: int, level: str = COMMUNE) -> str:
    """``doleances-01001-000003`` or ``doleances-01001-000003-2de3`` for a commune,
    ``doleances-departement-01-000003`` for a department (ASCII: safe on FAT32)."""
    who = sender if level == COMMUNE else f"departement-{sender}"
    base = f"doleances-{who}-{sequence:06d}"
    return base if parts == 1 else f"{base}-{part}de{parts}"


def parse_size(text: str) -> int:
    """« 10M », « 500K », « 2G », « 10 Mo » → bytes (K, M, G are powers of 1024)."""
    match = _SIZE.match(text)
    if not match:
        raise ExportFailed(f"La taille « {text} » n'est pas comprise : écrivez par exemple 10M ou 500K.")
    value = float(match[1].replace(",", "."))
    size = int(value * 1024 ** "_kmgt".index(match[2].lower() or "_"))
    if size < 32 * 1024:
        raise ExportFailed("La taille maximale d'un fichier doit être d'au moins 32K.")
    if size > FAT32_MAX:
        raise ExportFailed(
            "La taille maximale d'un fichier ne peut dépasser 4G : les clés USB (FAT32) n'acceptent "
            "pas de fichier plus gros."
        )
    return size


@dataclass(frozen=True)
class Header:
    """What ``bag-info.txt`` says about a bundle part, beyond BagIt's own keys. ``sender`` is
    the commune's INSEE code, or the department's number for a department's bundle."""

    sender: str
    commune: str  # the commune's name; a department's bundle names its association
    sequence: int
    part: int
    parts: int
    previous_digest: str  # "aucun" for the first export
    key_id: str
    full: bool
    state_digest: str  # "sha256:…" of the state summary
    masked: str  # "kind=count, …", or "non"
    pages_to_type: int | None  # handwritten pages the commune (or the communes) have not typed
    level: str = COMMUNE

    def trusted_comment(self) -> str:
        """The comment the signature covers: it ties the signature to this very part."""
        return trusted_comment(self.sender, self.sequence, self.part, self.parts, self.level)

    def file_name(self) -> str:
        return bundle_name(self.sender, self.sequence, self.part, self.parts, self.level)

    def bag_info(self, source_organization: str, bagging_date: str, agent: str) -> list[tuple[str, str]]:
        """The lines of ``bag-info.txt`` (BagIt's keys, then ours), in order."""
        sender = (
            [("Mairie-INSEE", self.sender), ("Mairie-Commune", self.commune)]
            if self.level == COMMUNE
            else [("Mairie-Niveau", DEPARTMENT), ("Mairie-Departement", self.sender),
                  ("Mairie-Association", self.commune)]
        )  # fmt: skip
        return [
            ("External-Identifier", self.file_name()),
            ("Source-Organization", source_organization),
            ("Bagging-Date", bagging_date),
            ("Bag-Software-Agent", agent),
            *sender,
            ("Mairie-Sequence", str(self.sequence)),
            ("Mairie-Previous-Bundle-Digest", self.previous_digest),
            ("Mairie-Key-Id", self.key_id),
            ("Mairie-Export", FULL if self.full else CHANGES),
            ("Mairie-State-Digest", self.state_digest),
            ("Mairie-Masked", self.masked),
            ("Mairie-Pages-To-Type", "" if self.pages_to_type is None else str(self.pages_to_type)),
            ("Mairie-Part", f"{self.part}/{self.parts}"),
        ]

    @classmethod
    def read(cls, info: dict[str, str], label: str) -> Header:
        """Read a received part's header; ``BundleInvalid`` when a key is missing or malformed."""
        try:
            part, parts = (_number(x) for x in info["Mairie-Part"].split("/"))
            sequence = _number(info["Mairie-Sequence"])
            pages = info.get("Mairie-Pages-To-Type", "")
            if not (1 <= part <= parts <= MAX_PARTS and 1 <= sequence <= MAX_SEQUENCE):
                raise ValueError("out of range")
            if pages and (not pages.isdigit() or len(pages) > 9):
                raise ValueError("pages")
            level = info.get("Mairie-Niveau", COMMUNE)
            if level not in (COMMUNE, DEPARTMENT):
                raise ValueError("level")
            commune = level == COMMUNE
            return cls(
                sender=info["Mairie-INSEE" if commune else "Mairie-Departement"],
                commune=info.get("Mairie-Commune" if commune else "Mairie-Association", ""),
                sequence=sequence, part=part, parts=parts,
                previous_digest=info.get("Mairie-Previous-Bundle-Digest", ""),
                key_id=info["Mairie-Key-Id"], full=info.get("Mairie-Export") == FULL,
                state_digest=info.get("Mairie-State-Digest", ""), masked=info.get("Mairie-Masked", ""),
                pages_to_type=int(pages) if pages.isdigit() else None, level=level,
            )  # fmt: skip
        except (KeyError, ValueError):
            raise BundleInvalid(
                f"« {label} » : bag-info.txt ne dit pas correctement qui l'envoie, quel envoi et quelle "
                "partie (numéros absents, invalides ou une partie au-delà du nombre de parties)."
            ) from None

    def matches_comment(self, comment: str) -> bool:
        """Whether the signed comment names this part (sender, number, part)."""
        match = _COMMENT.match(comment)
        return match is not None and match.groups() == (
            self.level, self.sender, str(self.sequence), str(self.part), str(self.parts)
        )  # fmt: skip


def _number(text: str) -> int:
    """A positive number as written in bag-info.txt (digits only, no sign, no spaces)."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise ValueError(text)
    return int(text)


def trusted_comment(sender: str, sequence: int, part: int, parts: int, level: str = COMMUNE) -> str:
    """``mairie commune=01001 sequence=3 partie=1/2``, ``mairie departement=01 sequence=…``."""
    return f"mairie {level}={sender} sequence={sequence} partie={part}/{parts}"
