"""What a typed entry says besides its text (date, signature, nature), its text reflowed, and the
running headers and page numbers of a page."""

from datetime import date

import pytest

from mairie_cli.models import Nature
from mairie_cli.ocr import fields, segment

TODAY = date(2019, 3, 1)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Le 12/12/2018", date(2018, 12, 12)),
        ("12 décembre 2018", date(2018, 12, 12)),
        ("lundi 17 déc. 2018", date(2018, 12, 17)),
        ("17/12/18", date(2018, 12, 17)),
        ("Le 1er janvier 2019 :", date(2019, 1, 1)),
        ("Fait à Bourg-en-Bresse, le 19 décembre 2018", date(2018, 12, 19)),
        ("Écrit le 20.12.2018", date(2018, 12, 20)),
    ],
)
def test_date_lines(line, expected):
    assert fields.find_date(line, TODAY) == (expected, True)


@pytest.mark.parametrize(
    "line",
    ["Le 12/12/2018 nous avons écrit au préfet", "31/02/2019", "Le 12/12/2032", "Le 12/12/1918", "Page 12"],
)
def test_not_a_date_line(line):
    assert fields.find_date(line, TODAY)[1] is False


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("Signé : Jean-Luc Perrin", "Jean-Luc Perrin"),
        ("Signature : M. Roux", "M. Roux"),
        ("Famille Roux", "Famille Roux"),
        ("Mme Durand, La Combe", "Mme Durand, La Combe"),
        ("Jean Martin", "Jean Martin"),
        ("DUPONT", "DUPONT"),
        ("Les Dupont", "Les Dupont"),
        ("Merci.", None),
        ("Cordialement,", None),
        ("la commune.", None),
        ("Rouvrir la poste du village.", None),
        ("Monsieur le Maire", None),
    ],
)
def test_signatures(line, author):
    assert fields.signature(line) == author


@pytest.mark.parametrize(
    ("text", "nature", "cue"),
    [
        ("Il faut rouvrir la poste.", Nature.PROPOSITION, "il faut"),
        ("Rétablir l'ISF.", Nature.PROPOSITION, "Rétablir"),
        ("Je propose un référendum local.", Nature.PROPOSITION, "je propose"),
        ("Pourquoi ne pas rouvrir la gare ?", Nature.PROPOSITION, "pourquoi ne pas"),
        ("Les impôts sont trop lourds.", Nature.DOLEANCE, None),
        ("Monsieur le Maire, les routes sont abîmées.", Nature.DOLEANCE, None),
        ("Notre village n'a plus de médecin.", Nature.DOLEANCE, None),
    ],
)
def test_nature_guess_with_its_cue(text, nature, cue):
    assert fields.nature_of(text) == (nature, cue)


def test_reflow_joins_wraps_and_hyphens_keeps_compounds_and_paragraphs():
    lines = [
        "Nous demandons le maintien de la gendar-",
        "merie, de vingt-",
        "cinq postes et de la brigade de Saint-",
        "Étienne, ouverte jusqu'à midi.",
        "",
        "Deuxième paragraphe après un blanc, assez long pour remplir la ligne.",
        "Court.",
        "Troisième paragraphe.",
    ]
    assert fields.reflow(lines) == (
        "Nous demandons le maintien de la gendarmerie, de vingt-cinq postes et de la brigade de "
        "Saint-Étienne, ouverte jusqu'à midi.\n"
        "Deuxième paragraphe après un blanc, assez long pour remplir la ligne. Court.\n"
        "Troisième paragraphe."
    )


def test_structure_takes_date_and_signature_out_of_the_text():
    found = fields.structure(
        [
            "Le 12/12/2018",
            "Il faut garder le bureau de poste",
            "ouvert le samedi matin.",
            "Signé : Jean Martin",
        ],
        TODAY,
    )
    assert found.text == "Il faut garder le bureau de poste ouvert le samedi matin."
    assert (found.written_on, found.author, found.nature, found.cue) == (
        date(2018, 12, 12),
        "Jean Martin",
        Nature.PROPOSITION,
        "il faut",
    )
    assert found.removed == (0, 3)
    alone = fields.structure(["Le 12/12/2018"], TODAY)  # nothing but a date: kept as written
    assert alone.text == "Le 12/12/2018"


def test_running_headers_footers_and_page_numbers():
    lines = [segment.Line(t) for t in [
        "Cahier de doléances — Commune de Saint-Martin",
        "Le 12/12/2018",
        "Nous demandons le maintien du bureau de poste du village.",
        "Signé : Jean Martin",
        "- 7 -",
    ]]  # fmt: skip
    skip, number = segment.margins(lines)
    assert skip == {0, 4} and number == 7
    drafts = segment.split(lines, skip)
    assert [(d.first, d.last) for d in drafts] == [(1, 3)]
    other = [segment.Line("Association des habitants du Val"), segment.Line("Le 13/12/2018")]
    assert segment.margins(other)[0] == set()
    seen = {segment.margin_key("Association des habitants du Val")}
    assert segment.margins(other, seen)[0] == {0}
