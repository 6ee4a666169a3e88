"""The first look (RE2, one pass) spares rules only where they would find nothing."""

import json
import random
import sys
from pathlib import Path

import pytest

from mairie_cli.privacy import detect, names
from mairie_cli.privacy.first_look import EVERYTHING, SPACES, Look, first_look

LABELLED = Path(__file__).parent / "data" / "donnees_personnelles.jsonl"

# Words the rules start from, in the forms people write them, and what stands around them.
PIECES = [
    *names._TITLE_STEMS, *names._KIN_WORDS, "chez les", "Chez les", *names._CLOSING_STEMS,
    *names._SIGN_STEMS, *names._SELF_STEMS, *detect._HOME_STEMS, "CORDIALEMENT", "SIGNÉ :", "Signée",
    "MA SŒUR", "J'HABITE", "Je Réside", "la famille", "mon voisin", "Mme", "M.", "Dr", "Monsieur",
    "Jean", "Dupont", "DUPONT", "Marie-Claire", "Duvigneau", "Joseph", "Perrin", "de", "d'", "le",
    "du", "l'école", "Paris", "Rue", "rue", "des Lilas", "12", "75002", "06 12 34 56 78", "1 85 05 78 006 084 36", "FR76 3000 6000 0112 3456 7890 189", "bis", "3",
    "Grande Rue", "grand’rue", "avenue", "chemin rural", "@", " at ",
    "\xa0at\xa0", "(at)", "[a]", "©", "arobase", "free.fr", "jean.dupont", "nous", "demandons", "un",
    "médecin", ",", ".", ":", "-", "\n", " ", " ", " ", "\xa0", "’", "'", "É", "é", "Œ", "İ",
    # first names as people write them, words that look like them, capitals that are no name
    "Hélène", "HÉLÈNE", "Élodie", "Jeannot", "Jeanne", "Anne-Marie", "Zoé", "Martin", "MARTIN",
    "SNCF", "Le", "Grand", "Débat", "docteur", "Maître", "maitre", "Vve", "voisine", "frère",
    "je m'appelle", "Cordialement,", "Signé",
]  # fmt: skip


def texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) + rng.choice(("", " ", " ", "\n")) for _ in range(rng.randint(2, 30)))
            for _ in range(count)]  # fmt: skip


def everything(text: str) -> Look:
    return EVERYTHING


def test_the_first_look_changes_nothing_the_rules_find(monkeypatch):
    labelled = [json.loads(line)["text"] for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    cases = [(t, ()) for t in labelled] + [(t, ()) for t in texts(4000, seed=7)]
    cases += [(t, ("Jean Dupont",)) for t in texts(500, seed=8)]
    looked = [detect.Detector.rules(text, authors) for text, authors in cases]
    monkeypatch.setattr(detect, "_LOOK", everything)
    assert looked == [detect.Detector.rules(text, authors) for text, authors in cases]
    # and it does spare rules: most generated texts miss at least one family
    look = first_look(detect._HOME_STEMS, detect._WAY, detect._WHOLE_WAY)
    assert sum(look(text) != EVERYTHING for text, _ in cases) > len(cases) // 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nous voulons un médecin le samedi.", Look(False, False, False, False)),
        ("mon voisin Bernard", Look(True, False, False, False)),
        ("Merci à Jean Dupont", Look(False, True, False, False)),
        ("merci à Jean de Lattre", Look(False, True, False, False)),
        ("merci à Jeanne d’Arc", Look(False, True, False, False)),
        ("merci à M. Perrin", Look(False, True, False, False)),
        ("écrire à jean\xa0at\xa0free.fr", Look(False, False, True, False)),
        ("Ici je RÉSIDE au village", Look(False, False, True, False)),
        ("CORDIALEMENT,\nM. Perrin", Look(True, True, False, False)),
        ("en 2019, on roule à 80 km/h", Look(False, False, False, False)),
        ("au 12 bis,\xa0rue des Lilas", Look(False, False, False, True)),
        ("au 3 Grande\xa0Rue", Look(False, False, False, True)),
        ("code 75002", Look(False, False, False, True)),
        ("tél. 06.12.34.56.78", Look(False, False, False, True)),
        ("tél 06 . 12 . 34", Look(False, False, False, True)),
        ("au 12 B rue des Lilas", Look(False, False, False, True)),
        ("au 7 quater, chemin rural", Look(False, False, False, True)),
        # capitals and family words no name rule can read as a name
        ("Le Grand Débat, la SNCF Paris et Notre-Dame", Look(False, False, False, False)),
        ("mes enfants et mon voisin sont partis", Look(False, False, False, False)),
        ("au docteur, je signe", Look(False, False, False, False)),
        # the forms of names the rules read
        ("la femme Duvigneau Joseph", Look(True, True, False, False)),
        ("les sœurs Cœuret", Look(True, False, False, False)),
        ("Signé : Hélène Martin", Look(True, True, False, False)),
        ("merci à HELENE", Look(False, False, False, False)),
        ("merci à Hélène Martin", Look(False, True, False, False)),
        ("Merci.\nDUVIGNEAU Karim\n", Look(False, True, False, False)),
        ("le maire Dupont Élodie", Look(False, True, False, False)),
    ],
)
def test_the_first_look_tells_each_family(text, expected):
    assert first_look(detect._HOME_STEMS, detect._WAY, detect._WHOLE_WAY)(text) == expected


def test_the_first_look_fits_in_re2s_memory(capfd):
    # Short of memory, RE2 prints so and falls back to a way 50 times slower.
    look = first_look(detect._HOME_STEMS, detect._WAY, detect._WHOLE_WAY)
    for text in texts(300, seed=9):
        look(text * 20)
    assert "out of memory" not in capfd.readouterr().err


def test_without_pyre2_every_rule_runs(monkeypatch):
    monkeypatch.setitem(sys.modules, "re2", None)  # « import re2 » then fails
    assert (
        first_look(detect._HOME_STEMS, detect._WAY, detect._WHOLE_WAY)("Nous voulons un médecin.")
        == EVERYTHING
    )


def test_the_spaces_are_pythons():
    # RE2's « \s » is ASCII's: the first look spells out the white space Python's « \s » matches.
    import re

    spaces = re.compile(f"[{SPACES}]")
    assert [c for c in map(chr, range(0x110000)) if spaces.match(c)] == [
        c for c in map(chr, range(0x110000)) if c.isspace()
    ]


def test_a_pattern_re2_cannot_read_means_no_first_look(monkeypatch):
    # pyre2 hands such a pattern to Python's re (slower than no first look): every rule runs.
    import re

    import re2

    monkeypatch.setattr(re2, "compile", lambda pattern, **options: re.compile(pattern))
    assert (
        first_look(detect._HOME_STEMS, detect._WAY, detect._WHOLE_WAY)("Nous voulons un médecin.")
        == EVERYTHING
    )
