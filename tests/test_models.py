import pytest

from mairie_cli.errors import InvalidNature
from mairie_cli.models import Nature
from mairie_cli.textnorm import clean_text, fold, words_key


@pytest.mark.parametrize(
    ("text", "nature"),
    [
        ("doléance", Nature.DOLEANCE),
        ("Doleance", Nature.DOLEANCE),
        ("DOLÉANCES", Nature.DOLEANCE),
        ("d", Nature.DOLEANCE),
        ("proposition", Nature.PROPOSITION),
        ("P", Nature.PROPOSITION),
        ("prop.", Nature.PROPOSITION),
        ("Suggestion", Nature.PROPOSITION),
        ("autre", Nature.AUTRE),
    ],
)
def test_nature_parse(text, nature):
    assert Nature.parse(text) is nature


def test_unknown_nature():
    with pytest.raises(InvalidNature) as error:
        Nature.parse("pétition")
    assert error.value.message == (
        "La nature « pétition » est inconnue : indiquez doléance (d), proposition (p) ou autre (a)."
    )


def test_text_normalisation():
    assert fold("Déserts MÉDICAUX") == "deserts medicaux"
    assert words_key("N° de page") == "n de page"
    decomposed = "e\u0301cole"
    assert clean_text(f"  {decomposed}  \r\n\r\nligne 2   \r\n\n") == "école\n\nligne 2"
