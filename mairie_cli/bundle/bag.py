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
from mairie_cli.files import disk_error, sha256_file
from mairie_cli.textnorm import printable

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "tagmanifest-sha256.txt.minisig"

#: Limits when opening a ZIP received from elsewhere. A part holds a few files per scanned
#: page and four others; text compresses at most about 30 times in an honest bundle (every
#: record carries a random UUID and timestamps), pictures not at all.
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 8 * 1024**3
MAX_RATIO = 50  # uncompressed / compressed, per member above 64 KiB and for the whole archive
_SMALL_MEMBER = 64 * 1024
_SLACK = 1024**2  # tag files and small members, whatever they compress to
#: Member names an honest bundle uses: ASCII letters, digits, « . _ - », short segments.
_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_MAX_NAME = 200
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


def extract_zip(zip_path: Path, target: Path, label: str | None = None) -> Path:
    """Extract a received ZIP into ``target``, refusing anything that could escape it or fill
    the disk. Returns the single top-level folder (the bag).

    Names outside what an honest bundle uses, links, encrypted or oddly compressed members,
    a file named like a folder, too many members and ZIP bombs are refused before anything is
    written; sizes are also counted while extracting, since headers can lie. What the archive
    does wrong is ``BundleInvalid`` or ``UnsafeArchive`` (the sender's); what the disk does
    wrong is ``DiskError`` (ours: the file is left unjudged).
    """
    name = label or zip_path.name
    try:
        archive = zipfile.ZipFile(zip_path)
    except OSError as exc:
        raise disk_error(exc, f"lire « {name} »") from None
    except Exception:  # BadZipFile, a name that is not UTF-8, a header that overflows…
        raise BundleInvalid(
            f"« {name} » n'est pas une archive ZIP lisible (fichier tronqué ou d'un autre type)."
        ) from None
    with archive:
        members = archive.infolist()
        _check_members(name, members, zip_path.stat().st_size)
        tops = {m.filename.split("/")[0] for m in members}
        if len(tops) != 1:
            raise BundleInvalid(f"« {name} » doit contenir un seul dossier (le sac BagIt).")
        budget = _total_budget(zip_path.stat().st_size)
        for member in members:
            if not member.is_dir():
                budget -= _extract_member(archive, member, target, name, budget)
    return target / tops.pop()


def _total_budget(archive_size: int) -> int:
    return min(MAX_TOTAL_BYTES, archive_size * MAX_RATIO + _SLACK)


def _extract_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, name: str, budget: int
) -> int:
    """Write one member, counting what really comes out; returns the bytes written."""
    destination = target.joinpath(*member.filename.split("/"))
    limit = min(member.file_size, budget)
    written = 0
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        sink = destination.open("xb")
    except OSError as exc:
        raise disk_error(exc, "écrire dans le dossier temporaire de la réception") from None
    with sink:
        try:
            source = archive.open(member)
        except Exception:  # encrypted, unknown compression, broken local header
            raise BundleInvalid(
                f"« {name} » : « {member.filename} » ne se lit pas (archive abîmée)."
            ) from None
        with source:
            while True:
                try:
                    chunk = source.read(_CHUNK)
                except Exception:  # zlib.error, BadZipFile (CRC), EOFError: damaged data
                    raise BundleInvalid(
                        f"« {name} » est abîmé : « {member.filename} » ne se décompresse pas."
                    ) from None
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise UnsafeArchive(
                        f"« {name} » : « {member.filename} » est plus gros que ce qu'annonce l'archive, "
                        "ou que ce qu'un paquet de cette taille peut contenir (archive piégée) ; rien "
                        "n'a été gardé."
                    )
                try:
                    sink.write(chunk)
                except OSError as exc:
                    raise disk_error(exc, "écrire dans le dossier temporaire de la réception") from None
    return written


def _check_members(name: str, members: list[zipfile.ZipInfo], archive_size: int) -> None:
    if not members:
        raise BundleInvalid(f"« {name} » est une archive vide.")
    if len(members) > MAX_MEMBERS:
        raise UnsafeArchive(f"« {name} » contient {len(members)} fichiers : trop pour un paquet.")
    files: set[str] = set()
    folders: set[str] = set()
    total = 0
    for member in members:
        path = member.filename
        _check_name(name, path)
        if stat.S_ISLNK(member.external_attr >> 16):
            raise UnsafeArchive(f"« {name} » contient un lien symbolique (« {path} ») : paquet refusé.")
        if member.flag_bits & 0x1:
            raise UnsafeArchive(
                f"« {name} » contient un fichier chiffré par ZIP (« {path} ») : paquet refusé."
            )
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleInvalid(
                f"« {name} » : « {path} » est compressé d'une façon qu'un paquet n'emploie pas : "
                "paquet refusé."
            )
        folded = path.rstrip("/").casefold()
        if folded in files or folded in folders:
            raise UnsafeArchive(f"« {name} » contient deux fois « {path} » : paquet refusé.")
        (folders if member.is_dir() else files).add(folded)
        parts = folded.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        total += member.file_size
        if member.file_size > _SMALL_MEMBER and member.file_size > member.compress_size * MAX_RATIO:
            raise UnsafeArchive(
                f"« {name} » : « {path} » se décompresse en {member.file_size} octets à partir de "
                f"{member.compress_size} (bombe ZIP) : paquet refusé."
            )
    if files & folders:
        clash = sorted(files & folders)[0]
        raise UnsafeArchive(
            f"« {name} » contient un fichier et un dossier nommés « {clash} » : paquet refusé."
        )
    if total > _total_budget(archive_size):
        raise UnsafeArchive(f"« {name} » se décompresserait en {total} octets : paquet refusé.")


def _check_name(name: str, path: str) -> None:
    segments = path.rstrip("/").split("/")
    if len(path) > _MAX_NAME or not all(_SAFE_SEGMENT.fullmatch(s) for s in segments) or "\\" in path:
        raise UnsafeArchive(
            f"« {name} » contient un nom de fichier qu'un paquet n'emploie pas (« {printable(path, 80)} ») "
            "— chemin dangereux, trop long ou caractères inattendus : paquet refusé, rien n'a été extrait."
        )


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
