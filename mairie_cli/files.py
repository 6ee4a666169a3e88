"""Files that matter: hashed while streamed, written under a temporary name, synced, renamed."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def place_durably(source: Path, target: Path) -> None:
    """Sync a finished file and rename it into place (same file system)."""
    with source.open("rb+") as handle:
        _fsync(handle)
    source.replace(target)
    _fsync_dir(target.parent)


def copy_durably(source: Path, target: Path) -> None:
    """Copy to a temporary name, fsync, then rename: a removed USB stick never holds half a file."""
    temporary = target.with_name(f".{target.name}.partiel")
    with source.open("rb") as reader, temporary.open("wb") as writer:
        shutil.copyfileobj(reader, writer, _CHUNK)
        writer.flush()
        _fsync(writer)
    temporary.replace(target)
    _fsync_dir(target.parent)


def _fsync(handle: Any) -> None:
    os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows has no directory handles to sync; the rename is journaled by NTFS
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems (FAT on some kernels) refuse: the file itself is synced
    finally:
        os.close(descriptor)
