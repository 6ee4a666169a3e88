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
