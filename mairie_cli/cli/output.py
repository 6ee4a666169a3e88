"""Printing results: rich tables for people, JSON for scripts. Rich is imported lazily."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def console(stderr: bool = False) -> Any:
    """A rich console on stdout (results) or stderr (progress, messages)."""
    from rich.console import Console

    # Messages are never hard-wrapped (a terminal wraps them; a log keeps whole lines).
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def print_json(data: Any) -> None:
    """One JSON document on stdout (UTF-8, accents kept)."""
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def stream_json_array(items: Iterable[dict[str, Any]]) -> int:
    """A JSON array written item by item, so memory stays flat on long listings."""
    import json

    count = 0
    write = sys.stdout.write
    write("[")
    for item in items:
        write(",\n  " if count else "\n  ")
        write(json.dumps(item, ensure_ascii=False, default=str))
        count += 1
    write("\n]\n" if count else "]\n")
    return count


@contextmanager
def progress(label: str, rate_unit: str | None = None) -> Iterator[Callable[..., None] | None]:
    """A progress bar on stderr, only on a terminal: yields ``update(done, total=None)``.

    Workers never draw: the command updates the bar as results come back to it.
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns: list[Any] = [TextColumn(label), BarColumn(), MofNCompleteColumn()]
    if rate_unit:
        columns.append(TextColumn("{task.fields[rate]} " + rate_unit))
    columns.append(TimeRemainingColumn())
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None, rate="—")

        def update(done: int, total: int | None = None) -> None:
            elapsed = bar.tasks[0].elapsed or 0
            rate = f"{done / elapsed * 60:.0f}" if elapsed else "—"
            bar.update(task, completed=done, total=total, rate=rate)

        yield update


def success(message: str) -> None:
    """A confirmation on stderr, so stdout stays clean for results."""
    console(stderr=True).print(f"[green]✔[/green] {escape(message)}")


def warning(message: str) -> None:
    """Something the person should act on, on stderr, in yellow."""
    console(stderr=True).print(f"[yellow]{escape(message)}[/yellow]")


def info(message: str) -> None:
    """A neutral message on stderr."""
    console(stderr=True).print(escape(message))


def escape(text: str) -> str:
    """Protect citizen text from being read as rich markup (« [NOM] » must stay as written)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def outside(text: str, limit: int = 500) -> str:
    """One line that came from outside (a file name, a commune's name, a reason quoting them):
    control characters and terminal escape sequences neutralised, markup escaped."""
    from mairie_cli.textnorm import printable

    return escape(printable(text, limit))


def short(text: str, width: int = 70) -> str:
    """One line of at most ``width`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def date_fr(value: str | None) -> str:
    """``JJ/MM/AAAA`` or an em dash when there is no date."""
    from mairie_cli.dates import format_fr

    return format_fr(value) or "—"
