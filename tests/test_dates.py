from datetime import date, datetime

import pytest

from mairie_cli.dates import format_fr, from_spreadsheet, parse_date
from mairie_cli.errors import InvalidDate

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/12/2018", date(2018, 12, 12)),
        ("1/2/2019", date(2019, 2, 1)),
        ("12-12-18", date(2018, 12, 12)),
        ("12.12.2018", date(2018, 12, 12)),
        ("2018-12-12", date(2018, 12, 12)),
        ("12 décembre 2018", date(2018, 12, 12)),
        ("1er janvier 2019", date(2019, 1, 1)),
        ("Le 12/12/2018", date(2018, 12, 12)),
        ("mercredi 12 decembre 2018", date(2018, 12, 12)),
        ("3 févr. 2019", date(2019, 2, 3)),
    ],
)
def test_parse_usual_french_forms(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_partial_date_completed_from_previous_entry():
    previous = date(2018, 12, 12)
    assert parse_date("13", default=previous, today=TODAY) == date(2018, 12, 13)
    assert parse_date("3/1", default=previous, today=TODAY) == date(2018, 1, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18 déc.", date(2018, 12, 18)),
        ("18 décembre", date(2018, 12, 18)),
        ("18 decembre", date(2018, 12, 18)),
        ("lundi 17 décembre", date(2018, 12, 17)),
        ("le 1er déc.", date(2018, 12, 1)),
        ("17.12.18", date(2018, 12, 17)),
        ("17-12-2018", date(2018, 12, 17)),
    ],
)
def test_written_dates_without_their_year_as_typed(text, expected):
    """The year (and, for « 18 », the month) of the previous entry, as for « 18/12 »."""
    assert parse_date(text, default=date(2018, 12, 12), today=TODAY) == expected


def test_partial_date_without_default_is_refused():
    with pytest.raises(InvalidDate):
        parse_date("13", today=TODAY)
    with pytest.raises(InvalidDate):  # an import must say its year: never guessed
        parse_date("18 décembre", today=TODAY)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2019", "n'existe pas dans le calendrier"),
        ("12/12/2091", "invraisemblable"),
        ("12/12/1019", "invraisemblable"),
        ("demain", "n'est pas comprise"),
        ("12 brumaire 2019", "mois"),
    ],
)
def test_absurd_dates_are_refused_in_french(text, fragment):
    with pytest.raises(InvalidDate) as error:
        parse_date(text, today=TODAY)
    assert error.value.code == "E112"
    assert fragment in error.value.message


def test_spreadsheet_cells():
    assert from_spreadsheet(datetime(2018, 12, 12, 0, 0), today=TODAY) == date(2018, 12, 12)
    assert from_spreadsheet(43446, today=TODAY) == date(2018, 12, 12)  # Excel serial
    assert from_spreadsheet("43446", today=TODAY) == date(2018, 12, 12)
    assert from_spreadsheet("12/12/2018", today=TODAY) == date(2018, 12, 12)
    assert from_spreadsheet(None) is None
    assert from_spreadsheet("  ") is None
    with pytest.raises(InvalidDate):
        from_spreadsheet(99999999, today=TODAY)


def test_format_fr():
    assert format_fr("2018-12-03") == "03/12/2018"
    assert format_fr("2018-12-03T10:00:00+00:00") == "03/12/2018"
    assert format_fr(None) == ""
