"""Near-duplicate groups: petitions and form letters count once, other texts stay apart."""

import os
import random
import subprocess
import sys

from mairie_cli.synthesis.duplicates import Grouper, similarity, sketch

LETTER = (
    "Nous, habitants du canton, demandons le maintien de la maternité et des urgences de l'hôpital "
    "de proximité, indispensables pour les familles et les personnes âgées de nos villages. Nous "
    "refusons que nos enfants naissent sur le bord de la route faute de service ouvert la nuit."
)
WORDS = (
    "route école impôt retraite médecin village fibre bus commune taxe énergie travail salaire "
    "pension gare poste enfant famille élu vote référendum forêt eau ferme lait prix essence"
).split()


def _other_text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))


def test_copies_with_small_changes_are_one_group_other_texts_are_not():
    rng = random.Random(3)
    grouper = Grouper()
    variants = [
        LETTER,
        LETTER.replace("canton", "village"),
        LETTER.upper(),
        LETTER.replace("é", "e").replace("â", "a"),  # typed without accents
        LETTER + " Signé : les habitants.",
    ]
    groups = []
    for number in range(1, 201):
        text = variants[number // 40 - 1] if number % 40 == 0 else _other_text(rng)
        groups.append(grouper.add(number, text))
    letters = [groups[n - 1] for n in range(40, 201, 40)]
    assert len(set(letters)) == 1 and letters[0] == 40
    assert grouper.size(40) == 5 and grouper.groups() == 1 and grouper.grouped() == 5
    others = [g for n, g in enumerate(groups, start=1) if n % 40]
    assert others == [n for n in range(1, 201) if n % 40]  # each its own group


def test_short_texts_are_grouped_only_when_identical():
    grouper = Grouper()
    assert grouper.add(1, "Non au 80 km/h !") == 1
    assert grouper.add(2, "NON au 80 km/h") == 1  # same words once normalised
    assert grouper.add(3, "Non au 90 km/h") == 3
    assert grouper.add(4, "") == 4 and sketch("") == ()


def test_similarity_is_estimated_from_the_sketches():
    assert similarity(sketch(LETTER), sketch(LETTER)) == 1.0
    assert similarity(sketch(LETTER), sketch(_other_text(random.Random(1)))) < 0.3


def test_sketches_are_the_same_on_every_run():
    code = f"from mairie_cli.synthesis.duplicates import sketch; print(sketch({LETTER!r}))"
    printed = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "random")
    }
    assert printed == {f"{sketch(LETTER)}\n"}
