"""BagIt bags (RFC 8493) inside ZIP files: writing them, and opening them without trusting them.

A bag is written in two phases: the payload (``data/…``) first, streamed straight into the
ZIP; then, once every part of an export is known, the tag files (``bagit.txt``,
``bag-info.txt``, the manifests and the signature of the tag manifest) are appended.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from mairie_cli.errors import BundleInvalid, UnsafeArchive
from mairie_cli.files import sha256_file

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "tagmanifest-sha256.txt.minisig"

#: Limits when opening a ZIP received from elsewhere.
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed, per member: beyond, it is a ZIP bomb
_CHUNK = 1 << 20


class _HashingWriter:
    """A binary stream that hashes and counts what goes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.target.write(data)


@dataclass
class BagWriter:
    """Writes one bag into a ZIP file, the bag being the folder ``name`` inside it."""

    zip_path: Path
    name: str
    payload: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (sha256, size)

    def __post_init__(self) -> None:
        # Level 1: five times faster than the default for text, files about 15 % larger.
        self._zip = zipfile.ZipFile(self.zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)

    def compressed_size(self) -> int:
        """Bytes written to the ZIP file so far (the compressor may still hold a little)."""
        fp = self._zip.fp
        return int(fp.tell()) if fp is not None else self.zip_path.stat().st_size

    @contextmanager
    def payload_file(self, relative: str, compress: bool = True) -> Iterator[_HashingWriter]:
        """A stream for one payload file ``data/<relative>``, hashed as it is written."""
        path = f"data/{relative}"
        info = zipfile.ZipInfo(f"{self.name}/{path}", date_time=_now_tuple())
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        if compress:
            # Level 1: five times faster than the default for text. (The attribute is
            # « _compresslevel » before Python 3.13, « compress_level » after.)
            level = "compress_level" if hasattr(info, "compress_level") else "_compresslevel"
            setattr(info, level, 1)
        with self._zip.open(info, "w", force_zip64=True) as entry:
            writer = _HashingWriter(entry)
            yield writer
        self.payload[path] = (writer.sha256.hexdigest(), writer.size)

    def add_payload_copy(self, relative: str, source: Path, compress: bool = True) -> None:
        """Copy a file (a CSV written aside, a page image) into the payload."""
        with self.payload_file(relative, compress) as target, source.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                target.write(chunk)

    def abort(self) -> None:
        """Close the ZIP after a failure; its file is discarded by the caller."""
        with contextlib.suppress(Exception):
            self._zip.close()

    def close_payload(self) -> None:
        """End the first phase; ``finish`` reopens the ZIP to add the tag files."""
        self._zip.close()

    def finish(
        self,
        bag_info: list[tuple[str, str]],
        sign: Callable[[bytes], bytes],
        extra_tags: dict[str, bytes] | None = None,
    ) -> bytes:
        """Append the tag files and the signature; returns the tag manifest's bytes."""
        oxum = f"{sum(size for _, size in self.payload.values())}.{len(self.payload)}"
        info = "".join(f"{label}: {value}\n" for label, value in [*bag_info, ("Payload-Oxum", oxum)])
        manifest = "".join(f"{digest}  {path}\n" for path, (digest, _) in sorted(self.payload.items()))
        tags = {
            "bagit.txt": BAGIT_TXT,
            "bag-info.txt": info.encode("utf-8"),
            MANIFEST: manifest.encode("utf-8"),
            **(extra_tags or {}),
        }
        tagmanifest = "".join(
            f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in tags.items()
        ).encode("utf-8")
        with zipfile.ZipFile(self.zip_path, "a", zipfile.ZIP_DEFLATED) as archive:
            for name, content in [*tags.items(), (TAGMANIFEST, tagmanifest), (SIGNATURE, sign(tagmanifest))]:
                archive.writestr(f"{self.name}/{name}", content)
        return tagmanifest


# -- reading ------------------------------------------------------------------------------


@dataclass
class OpenedBag:
    """A bag extracted into a temporary folder, checked against its manifests."""

    root: Path
    info: dict[str, str]
    tagmanifest: bytes
    signature: bytes
    payload: dict[str, str]  # data/... -> sha256
    tags: dict[str, str]  # tag file -> sha256, as the tag manifest lists them

    def read(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def open(self, relative: str) -> IO[bytes]:
        return (self.root / relative).open("rb")


def extract_zip(zip_path: Path, target: Path) -> Path:
    """Extract a received ZIP into ``target``, refusing anything that could escape it.

    Absolute paths, ``..``, links, duplicated names, too many members and ZIP bombs are
    refused before anything is written; sizes are also checked while extracting, since
    headers can lie. Returns the single top-level folder (the bag).
    """
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError):
        raise BundleInvalid(
            f"« {zip_path.name} » n'est pas une archive ZIP (fichier tronqué ou d'un autre type)."
        ) from None
    with archive:
        members = archive.infolist()
        _check_members(zip_path, members)
        tops = {PurePosixPath(m.filename).parts[0] for m in members}
        if len(tops) != 1:
            raise BundleInvalid(f"« {zip_path.name} » doit contenir un seul dossier (le sac BagIt).")
        for member in members:
            if member.is_dir():
                continue
            destination = target.joinpath(*PurePosixPath(member.filename).parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            limit = member.file_size
            written = 0
            try:
                with archive.open(member) as source, destination.open("xb") as sink:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        if written > limit:
                            raise UnsafeArchive(
                                f"« {zip_path.name} » : « {member.filename} » est plus gros que ce "
                                "qu'annonce l'archive (archive piégée) ; rien n'a été gardé."
                            )
                        sink.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
                raise BundleInvalid(
                    f"« {zip_path.name} » est abîmé : « {member.filename} » ne se lit pas ({exc})."
                ) from None
    return target / tops.pop()


def _check_members(zip_path: Path, members: list[zipfile.ZipInfo]) -> None:
    name = zip_path.name
    if not members:
        raise BundleInvalid(f"« {name} » est une archive vide.")
    if len(members) > MAX_MEMBERS:
        raise UnsafeArchive(f"« {name} » contient {len(members)} fichiers : trop pour un paquet.")
    seen: set[str] = set()
    total = 0
    for member in members:
        path = member.filename
        parts = PurePosixPath(path).parts
        if (
            path.startswith(("/", "\\"))
            or "\\" in path
            or re.match(r"^[A-Za-z]:", path)
            or any(p in ("..", ".") for p in parts)
            or not parts
        ):
            raise UnsafeArchive(
                f"« {name} » contient un chemin dangereux (« {path} ») qui sortirait du dossier "
                "d'extraction : paquet refusé, rien n'a été extrait."
            )
        if stat.S_ISLNK(member.external_attr >> 16):
            raise UnsafeArchive(f"« {name} » contient un lien symbolique (« {path} ») : paquet refusé.")
        folded = path.rstrip("/").casefold()
        if folded in seen:
            raise UnsafeArchive(f"« {name} » contient deux fois « {path} » : paquet refusé.")
        seen.add(folded)
        total += member.file_size
        if (
            member.compress_size
            and member.file_size / member.compress_size > MAX_RATIO
            and member.file_size > _CHUNK
        ):
            raise UnsafeArchive(
                f"« {name} » : « {path} » se décompresse en {member.file_size} octets à partir de "
                f"{member.compress_size} (bombe ZIP) : paquet refusé."
            )
    if total > MAX_TOTAL_BYTES:
        raise UnsafeArchive(f"« {name} » se décompresserait en {total} octets : paquet refusé.")


def open_bag(root: Path, label: str) -> OpenedBag:
    """Check an extracted bag's structure and every checksum (the signature is checked apart)."""

    def fail(reason: str) -> BundleInvalid:
        return BundleInvalid(f"« {label} » : {reason}")

    def tag(name: str) -> bytes:
        path = root / name
        if not path.is_file():
            raise fail(f"le fichier « {name} » manque.")
        return path.read_bytes()

    if tag("bagit.txt").replace(b"\r\n", b"\n") != BAGIT_TXT:
        raise fail("bagit.txt n'est pas celui d'un sac BagIt 1.0.")
    tagmanifest = tag(TAGMANIFEST)
    signature = tag(SIGNATURE)
    tag_entries = _parse_manifest(tagmanifest, fail, TAGMANIFEST)
    for required in ("bagit.txt", "bag-info.txt", MANIFEST):
        if required not in tag_entries:
            raise fail(f"{TAGMANIFEST} ne couvre pas « {required} ».")
    for name, digest in tag_entries.items():
        if _sha256_file(root / name, fail, name) != digest:
            raise fail(f"« {name} » a été modifié après la signature (somme de contrôle fausse).")
    payload = _parse_manifest(tag(MANIFEST), fail, MANIFEST)
    for path in payload:
        if not path.startswith("data/"):
            raise fail(f"{MANIFEST} cite « {path} », hors du dossier data/.")
    present = (
        {p.relative_to(root).as_posix() for p in (root / "data").rglob("*") if p.is_file()}
        if (root / "data").is_dir()
        else set()
    )
    for missing in sorted(set(payload) - present):
        raise fail(f"« {missing} » est cité dans le manifeste mais absent du paquet.")
    for extra in sorted(present - set(payload)):
        raise fail(f"« {extra} » est dans le paquet mais absent du manifeste.")
    for path, digest in payload.items():
        if _sha256_file(root / path, fail, path) != digest:
            raise fail(f"« {path} » a été modifié (somme de contrôle fausse).")
    info = _parse_bag_info(tag("bag-info.txt"), fail)
    oxum = f"{sum((root / p).stat().st_size for p in payload)}.{len(payload)}"
    if info.get("Payload-Oxum") != oxum:
        raise fail("Payload-Oxum ne correspond pas au contenu.")
    return OpenedBag(root, info, tagmanifest, signature, payload, tag_entries)


def _parse_manifest(content: bytes, fail: Callable[[str], BundleInvalid], name: str) -> dict[str, str]:
    entries: dict[str, str] = {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise fail(f"{name} n'est pas en UTF-8.") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = re.fullmatch(r"([0-9a-fA-F]{64})\s+\*?(.+)", line)
        if not match:
            raise fail(f"{name}, ligne {number}, est illisible.")
        path = match[2].strip()
        parts = PurePosixPath(path).parts
        if path.startswith("/") or ".." in parts:
            raise fail(f"{name} cite un chemin interdit (« {path} »).")
        if path in entries:
            raise fail(f"{name} cite deux fois « {path} ».")
        entries[path] = match[1].lower()
    return entries


def _parse_bag_info(content: bytes, fail: Callable[[str], BundleInvalid]) -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("bag-info.txt n'est pas en UTF-8.") from None
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if sep and label.strip():
            info[label.strip()] = value.strip()
    return info


def _sha256_file(path: Path, fail: Callable[[str], BundleInvalid], name: str) -> str:
    if not path.is_file():
        raise fail(f"« {name} » manque.")
    return sha256_file(path)


def _now_tuple() -> tuple[int, int, int, int, int, int]:
    import time

    return time.localtime()[:6]
