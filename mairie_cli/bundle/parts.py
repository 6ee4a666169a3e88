"""Cutting an export into parts: each part a complete bag under the size limit.

Records go into the part's ZIP as JSON Lines, compressed on a second thread in chunks, while
their CSV rows are written aside; the part is closed when its predicted size would pass the
limit. Parts finished are closed on that second thread too, while the next one fills.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mairie_cli.bundle.bag import BagWriter
from mairie_cli.bundle.format import CONTRIBUTIONS, CONTRIBUTIONS_CSV
from mairie_cli.bundle.records import CSV_HEADER, csv_row
from mairie_cli.csvtext import BOM, csv_line
from mairie_cli.errors import PartTooLarge

#: Room kept in each part for the tag files (the cahiers and state summary are added to it).
TAG_FILES = 8 * 1024


class PartBuilder:
    """Distributes records over parts so that each finished file stays under the size limit.

    Records go straight into the part's ZIP as JSON Lines while their CSV rows are written
    aside (then copied in). The part is closed when its predicted size — what the ZIP holds
    already, the CSV to come at the JSON's compression rate, and a fixed overhead — would
    pass the limit.
    """

    def __init__(
        self, folder: Path, name: str, budget: int, csv_header: list[str] = CSV_HEADER,
        csv_of: Callable[[dict[str, Any]], list[str]] = csv_row,
    ) -> None:  # fmt: skip
        """``name`` is the export's (each part's bag is named after it); the CSV copy of the
        records has ``csv_header`` and ``csv_of(record)`` as rows (a commune's by default)."""
        self.folder = folder
        self.name = name
        self.budget = budget
        self.csv_header = csv_header
        self.csv_of = csv_of
        self.parts: list[BagWriter] = []
        self._images: set[str] = set()  # scans already placed in a part of this export
        self._finisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mairie-export")
        self._closing: list[Future[None]] = []
        self._current: OpenPart | None = None

    def add(self, record: dict[str, Any], canonical: bytes, image: tuple[str, Path] | None = None) -> None:
        """Add one record (with its canonical JSON in UTF-8, already made for its digest) and
        the scan it comes from, if it travels and is not in this export yet."""
        self.add_line(record["uuid"], canonical, csv_line(self.csv_of(record)).encode("utf-8"), image)

    def add_line(
        self, uuid: str, canonical: bytes, row: bytes, image: tuple[str, Path] | None = None
    ) -> None:
        """``add``, the record's CSV row already made (by a worker process)."""
        line = canonical + b"\n"
        extra = 0
        if image is not None and image[0] not in self._images:
            extra = image[1].stat().st_size
            if extra > self.budget:
                raise PartTooLarge(
                    f"La page scannée « {image[0]} » ({extra} octets) dépasse à elle seule la taille "
                    "maximale d'un fichier : relancez avec une --taille-max plus grande, ou sans "
                    "--avec-scans."
                )
        else:
            image = None
        part = self._current
        if part is not None and part.records and part.predicted(len(line), len(row)) + extra > self.budget:
            self._close_current()
            part = None
        if part is None:
            part = self._open()
        if not part.records and part.predicted(len(line), len(row)) + extra > self.budget:
            raise PartTooLarge(
                f"La contribution {uuid[:8]} dépasse à elle seule la taille maximale "
                "d'un fichier : relancez avec une --taille-max plus grande."
            )
        part.write(line, row)
        if image is not None:
            part.images.append(image)
            part.image_bytes += extra
            self._images.add(image[0])

    def add_lines(self, uuids: list[str], lines: list[bytes], rows: list[bytes]) -> None:
        """``add_line`` for many records without scans (a worker's batch): the part's limit is
        checked record by record, each run that fits is written at once."""
        start, count = 0, len(lines)
        while start < count:
            part = self._current or self._open()
            budget = self.budget
            end, json_bytes, csv_bytes = start, 0, 0
            while end < count:
                json_more, csv_more = json_bytes + len(lines[end]) + 1, csv_bytes + len(rows[end])
                if part.predicted(json_more, csv_more) > budget:
                    break
                json_bytes, csv_bytes, end = json_more, csv_more, end + 1
            if end == start:
                if part.records:
                    self._close_current()
                else:  # alone in an empty part and still too large: add_line says so
                    self.add_line(uuids[start], lines[start], rows[start])
                    start += 1
                continue
            part.write_many(lines[start:end], rows[start:end], json_bytes, csv_bytes)
            start = end

    def close(self, files: dict[str, bytes]) -> list[BagWriter]:
        """Finish every part; each also holds ``files`` (payload name → content: the cahiers,
        the state summary…)."""
        self._close_current()
        self._wait_for_closing()
        self._finisher.shutdown()
        for part in self.parts:
            for name, content in files.items():
                with part.payload_file(name) as out:
                    out.write(content)
            part.close_payload()
        return self.parts

    def abort(self) -> None:
        """Close whatever is open after a failure (the temporary folder is then removed)."""
        if self._current is not None:
            self._current.abort()
            self._current = None
        with contextlib.suppress(Exception):
            self._wait_for_closing()
        self._finisher.shutdown()
        for part in self.parts:
            part.abort()

    def _open(self) -> OpenPart:
        index = len(self.parts) + 1
        bag = BagWriter(self.folder / f"partie-{index}.zip", f"{self.name}-partie-{index}")
        self.parts.append(bag)
        self._current = OpenPart(bag, self.folder / f"partie-{index}.csv", self._finisher, self.csv_header)
        return self._current

    def _close_current(self) -> None:
        # A finished part's CSV is compressed into its ZIP on a second thread while the next
        # part fills: zlib releases Python's lock, so both cores work.
        if self._current is not None:
            self._closing.append(self._finisher.submit(self._current.close))
            self._current = None

    def _wait_for_closing(self) -> None:
        for future in self._closing:
            future.result()
        self._closing = []


class OpenPart:
    """The part being filled: JSON Lines into its ZIP, CSV rows into a file aside."""

    _CHUNK = 256 * 1024  # lines are handed to the compressor in chunks, not one by one
    _IN_FLIGHT = 4  # chunks waiting for the compressor at most (memory stays flat)

    def __init__(
        self, bag: BagWriter, csv_path: Path, compressor: ThreadPoolExecutor, csv_header: list[str]
    ) -> None:
        self.bag = bag
        self._compressor = compressor
        self._writes: deque[Future[None]] = deque()
        self.csv_path = csv_path
        self._entry = bag.payload_file(CONTRIBUTIONS)
        self.jsonl = self._entry.__enter__()
        self.csv = csv_path.open("wb")
        self.csv.write((BOM + csv_line(csv_header)).encode("utf-8"))  # BOM: Excel reads UTF-8
        self.records = 0
        self.json_bytes = 0
        self.csv_bytes = 0
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._compressed = 0  # JSON bytes through the compressor
        self._ratio = 1.0
        self.images: list[tuple[str, Path]] = []
        self.image_bytes = 0

    def write(self, line: bytes, row: bytes) -> None:
        self._pending.append(line)
        self._pending_bytes += len(line)
        if self._pending_bytes >= self._CHUNK:
            self._flush()
        self.csv.write(row)
        self.json_bytes += len(line)
        self.csv_bytes += len(row)
        self.records += 1

    def write_many(self, lines: list[bytes], rows: list[bytes], json_bytes: int, csv_bytes: int) -> None:
        """``write`` for several records (``json_bytes``, ``csv_bytes``: their sizes, newlines
        after the JSON lines included)."""
        self._pending.append(b"\n".join(lines) + b"\n")
        self._pending_bytes += json_bytes
        if self._pending_bytes >= self._CHUNK:
            self._flush()
        self.csv.write(b"".join(rows))
        self.json_bytes += json_bytes
        self.csv_bytes += csv_bytes
        self.records += len(lines)

    def _flush(self) -> None:
        # zlib releases Python's lock: the chunk is compressed on the second thread while
        # this one goes on serialising records.
        chunk = b"".join(self._pending)
        self._pending, self._pending_bytes = [], 0
        self._writes.append(self._compressor.submit(self._compress, chunk))
        while len(self._writes) > self._IN_FLIGHT:
            self._writes.popleft().result()

    def _compress(self, chunk: bytes) -> None:
        self.jsonl.write(chunk)
        self._compressed += len(chunk)
        # The ratio is measured here, on the compressor's thread, right after its own write:
        # bytes in and bytes out of the same moment. (Measured on the other thread, the two
        # could be read a few chunks apart, and a part came out 2 % over its limit.) Until a
        # megabyte has gone through, deflate's output says little (it holds data back): no
        # compression is assumed, which can only overestimate.
        if self._compressed > 1024**2:
            self._ratio = max(self.bag.compressed_size() / self._compressed, 0.3)

    def predicted(self, extra_json: int, extra_csv: int) -> int:
        """Predicted size of the part's file once the CSV is added, with one more record."""
        # The compression ratio so far is measured at each chunk handed to the compressor.
        # The CSV compresses less than the JSON, whose keys repeat on every line: measured on
        # the Grand Débat texts, 1.3 times less; 1.4 is assumed.
        ratio = self._ratio
        json_part = (self.json_bytes + extra_json) * ratio
        csv_part = (self.csv_bytes + extra_csv) * min(ratio * 1.4, 1.0)
        return int((json_part + csv_part) * 1.02) + self.image_bytes

    def abort(self) -> None:
        for write in self._writes:
            with contextlib.suppress(Exception):
                write.result()
        with contextlib.suppress(Exception):
            self._entry.__exit__(None, None, None)
        self.csv.close()

    def close(self) -> None:
        """Finish the part (on the second thread, after its chunks: the same single thread)."""
        for write in self._writes:
            write.result()  # done already; raises what a chunk's compression raised
        self._compress(b"".join(self._pending))
        self._entry.__exit__(None, None, None)
        self.csv.close()
        self.bag.add_payload_copy(CONTRIBUTIONS_CSV, self.csv_path)
        self.csv_path.unlink()
        for name, path in self.images:  # already compressed (PNG, JPEG, PDF): stored as is
            self.bag.add_payload_copy(name, path, compress=False)
