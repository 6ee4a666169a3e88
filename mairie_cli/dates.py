"""Dates as French town halls write them; stored ISO 8601, shown JJ/MM/AAAA."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from mairie_cli.errors import InvalidDate
from mairie_cli.textnorm import fold

#: Earliest date accepted for an entry: the tool is for registers opened from 2018 on,
#: and anything far older is a typing slip (« 1019 » for « 2019 »).
MIN_DATE = date(2000, 1, 1)

#: Month names and the abbreviations people write, folded (no accents).
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip

_NUMERIC = re.compile(r"^(\d{1,2})(?:[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?$")
_WRITTEN = re.compile(r"^(\d{1,2})(?:er)?\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
#: A weekday written before a date (folded).
WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_PREFIX = re.compile(rf"^(?:{WEEKDAY}\s+)?")


def parse_date(value: str, *, default: date | None = None, today: date | None = None) -> date:
    """Read a date typed by a person and check it is plausible.

    Accepts ``12/12/2018``, ``12-12-18``, ``12.12.2018``, ``2018-12-12``, ``12 décembre 2018``,
    ``1er janvier 2019``, ``Le 12/12/2018``. With ``default`` (the previous entry's date), a
    partial date is completed from it: ``13`` or ``13/12`` keep the missing month and year.
    """
    raw = value.strip()
    text = fold(raw).strip(" .,;:")
    if text.startswith("le "):
        text = text[3:].strip()
    text = _PREFIX.sub("", text)
    parsed = _parse_iso(text) or _parse_written(raw, text, default) or _parse_numeric(raw, text, default)
    if parsed is None:
        raise InvalidDate(
            f"La date « {raw} » n'est pas comprise : écrivez-la sous la forme JJ/MM/AAAA, "
            "par exemple 12/12/2018."
        )
    return check_plausible(parsed, raw=raw, today=today)


def check_plausible(value: date, *, raw: str | None = None, today: date | None = None) -> date:
    """Refuse dates in the future or before ``MIN_DATE``: they are typing slips."""
    latest = today or date.today()
    if value > latest or value < MIN_DATE:
        shown = raw or format_fr(value)
        raise InvalidDate(
            f"La date « {shown} » est invraisemblable : elle doit être comprise entre le "
            f"{format_fr(MIN_DATE)} et aujourd'hui ({format_fr(latest)})."
        )
    return value


def parse_iso(value: str | None) -> date | None:
    """Read a date stored by mairie (``AAAA-MM-JJ``)."""
    return date.fromisoformat(value) if value else None


def format_fr(value: date | str | None) -> str:
    """Show a date the French way, ``JJ/MM/AAAA``; empty for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if len(value) >= 10 and value[4] == "-" and value[7] == "-":
            return f"{value[8:10]}/{value[5:7]}/{value[:4]}"  # stored ISO: no parsing needed
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def from_spreadsheet(value: object, *, today: date | None = None) -> date | None:
    """A date cell as a spreadsheet gives it: a datetime, an Excel serial number or text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return check_plausible(value.date(), today=today)
    if isinstance(value, date):
        return check_plausible(value, today=today)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return check_plausible(_from_excel_serial(float(value)), raw=str(value), today=today)
    text = str(value).strip()
    if text.isdigit() and len(text) == 5:
        # A CSV saved from Excel sometimes keeps the serial number of a date cell.
        return check_plausible(_from_excel_serial(float(text)), raw=text, today=today)
    return parse_date(text, today=today)


def _from_excel_serial(serial: float) -> date:
    # Excel's day 0 is 1899-12-30 once its fictitious 29/02/1900 is accounted for.
    if not 1 <= serial < 2958466:
        raise InvalidDate(f"Le nombre {serial:g} ne correspond à aucune date Excel.")
    return date(1899, 12, 30) + timedelta(days=int(serial))


def _parse_iso(text: str) -> date | None:
    match = _ISO.match(text)
    if not match:
        return None
    return _build(int(match[1]), int(match[2]), int(match[3]), text)


def _parse_written(raw: str, text: str, default: date | None) -> date | None:
    """« 12 décembre 2018 », « 15 déc. 2018 »; without its year (« 18 déc. »), the year of the
    previous entry, as « 18/12 » (never guessed without one: an import must say its year)."""
    match = _WRITTEN.match(text)
    if not match:
        return None
    month = MONTHS.get(match[2])
    if month is None:
        raise InvalidDate(f"Le mois de la date « {raw} » n'est pas reconnu.")
    day = int(match[1])
    if match[3] is not None:
        return _build(int(match[3]), month, day, raw)
    return _build(default.year, month, day, raw) if default is not None else None


def _parse_numeric(raw: str, text: str, default: date | None) -> date | None:
    match = _NUMERIC.match(text)
    if not match:
        return None
    day = int(match[1])
    if match[2] is None or match[3] is None:
        if default is None:
            return None
        month = int(match[2]) if match[2] else default.month
        return _build(default.year, month, day, raw)
    year = int(match[3])
    if len(match[3]) == 2:
        year += 2000
    return _build(year, int(match[2]), day, raw)


def _build(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(
            f"La date « {raw} » n'existe pas dans le calendrier : vérifiez le jour et le mois."
        ) from None
