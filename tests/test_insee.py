import pytest

from mairie_cli.errors import InvalidInsee
from mairie_cli.insee import department_of, normalize_insee


@pytest.mark.parametrize(
    ("code", "canonical", "department"),
    [
        ("01001", "01001", "01"),
        ("2a004", "2A004", "2A"),
        ("2B033", "2B033", "2B"),
        ("97411", "97411", "974"),
        ("97610", "97610", "976"),
        (" 75056 ", "75056", "75"),
    ],
)
def test_valid_codes(code, canonical, department):
    assert normalize_insee(code) == canonical
    assert department_of(canonical) == department


@pytest.mark.parametrize(
    "code", ["0100", "010011", "20001", "00001", "96001", "97701", "98001", "2C001", "01000", "ABCDE", ""]
)
def test_invalid_codes(code):
    with pytest.raises(InvalidInsee) as error:
        normalize_insee(code)
    assert error.value.code == "E111"
    assert "n'est pas valide" in error.value.message


def test_every_department_and_commune_of_the_official_list_is_accepted():
    """Côte-d'Or (21) to Finistère (29) included: the official list is the reference."""
    from mairie_cli import communes
    from mairie_cli.insee import normalize_department, normalize_insee

    departments = communes.departments()
    assert [normalize_department(d) for d in departments] == departments
    assert "21" in departments and "29" in departments
    for commune in communes.current():
        if commune.department in departments:
            assert normalize_insee(commune.code) == commune.code
