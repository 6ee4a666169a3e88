"""The theme taxonomy and the explainable classifier."""

from pathlib import Path

import pytest

from mairie_cli.errors import InvalidValue
from mairie_cli.synthesis.classify import Classifier
from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, load


@pytest.fixture(scope="module")
def classifier():
    return Classifier(load())


def test_shipped_taxonomy_has_the_official_and_the_cahier_themes():
    taxonomy = load()
    assert taxonomy.version
    assert set(taxonomy.officials) == {"fiscalite", "organisation", "ecologie", "democratie"}
    ids = {t.id for t in taxonomy.themes}
    assert {"fiscalite", "organisation", "ecologie", "democratie", "pouvoir_achat", "sante", "mobilite",
            "services_proximite", "numerique", "agriculture", "education", "securite_justice"} <= ids  # fmt: skip
    assert all(t.official in taxonomy.officials and t.subthemes for t in taxonomy.themes)


@pytest.mark.parametrize(
    ("text", "main", "words"),
    [
        ("Il faut rétablir l'ISF et baisser la TVA.", "fiscalite", {"isf", "tva"}),
        ("Les déserts médicaux : plus aucun médecin au village.", "sante", {"désert médical", "médecin"}),
        ("Nous voulons le référendum d'initiative citoyenne et le vote blanc.", "democratie",
         {"référendum d'initiative citoyenne", "vote blanc"}),
        ("Le bus scolaire et le train ne passent plus, il faut une voiture.", "mobilite", {"train", "voiture"}),
        ("Les retraités ont perdu du pouvoir d'achat, les pensions baissent.", "pouvoir_achat",
         {"retraités", "pouvoir d'achat", "pensions"}),
        ("IMPOTS trop lourds, impots et taxes partout", "fiscalite", {"impots", "taxes"}),
    ],
)  # fmt: skip
def test_main_theme_and_the_words_that_decided_it(classifier, text, main, words):
    result = classifier.classify(text)
    assert result.main == main
    assert words <= set(result.triggers[main])


def test_below_the_threshold_it_is_to_classify(classifier):
    assert classifier.classify("Merci monsieur le maire pour ce cahier de doléances.").main == TO_CLASSIFY
    assert classifier.classify("").main == TO_CLASSIFY


def test_roots_that_collide_do_not_match(classifier):
    # « loi » shares its Snowball root with « loyer »; « environ » with « environnement ».
    assert "pouvoir_achat" not in classifier.classify("Cette loi est injuste, les lois aussi.").scores
    assert "ecologie" not in classifier.classify("Il y a environ dix ans que la poste a fermé.").scores
    assert "ecologie" in classifier.classify("Protéger l'environnement.").scores
    assert "pouvoir_achat" in classifier.classify("Les loyers sont trop chers.").scores


def test_a_word_counts_once_and_secondary_themes_need_weight(classifier):
    repeated = classifier.classify("Les impôts, les impôts, toujours les impôts ! Et un peu d'écologie.")
    assert repeated.triggers["fiscalite"] == ["impôts"]
    assert repeated.scores["fiscalite"] == 1.0
    long_text = ("Il faut baisser la TVA, supprimer la CSG, rétablir l'ISF et lutter contre l'évasion fiscale. "
                 "Au passage, le climat.")  # fmt: skip
    result = classifier.classify(long_text)
    assert result.main == "fiscalite" and "ecologie" not in result.secondary


def test_an_expression_listed_in_several_forms_counts_once(classifier):
    # « service public » and « services publics » are both listed: same roots, one expression.
    result = classifier.classify("Les services publics ferment.")
    assert result.triggers["services_proximite"] == ["services publics"]
    assert result.scores["services_proximite"] == 2.0


def test_the_longest_list_does_not_win_by_size(tmp_path: Path):
    toml = tmp_path / "t.toml"
    many = ", ".join(f'"mot{i}"' for i in range(200))
    toml.write_text(
        'version = "test"\n[officiels]\na = "A"\nb = "B"\n'
        f'[[theme]]\nid = "grand"\nlibelle = "Grand"\nofficiel = "a"\n'
        f'  [[theme.sous_theme]]\n  id = "g"\n  mots = [{many}, "route"]\n'
        '[[theme]]\nid = "petit"\nlibelle = "Petit"\nofficiel = "b"\n'
        '  [[theme.sous_theme]]\n  id = "p"\n  mots = ["école"]\n',
        encoding="utf-8",
    )
    classifier = Classifier(load(toml))
    assert classifier.classify("L'école, puis la route.").main == "petit"  # first seen, not the biggest
    assert classifier.classify("La route, puis l'école.").main == "grand"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("titre = 'x'", "il manque « version"),
        ('version = "1"\n', "[officiels]"),
        (
            'version = "1"\n[officiels]\na = "A"\n[[theme]]\nid = "t"\nlibelle = "T"\nofficiel = "zz"\n',
            "« zz »",
        ),
        (
            'version = "1"\n[officiels]\na = "A"\n[[theme]]\nid = "t"\nlibelle = "T"\nofficiel = "a"\n',
            "aucun sous-thème",
        ),
        ('version = "1\n', "mal écrite"),
    ],
)
def test_malformed_taxonomy_is_explained(tmp_path: Path, content, message):
    path = tmp_path / "themes.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidValue) as error:
        load(path)
    assert message in error.value.message and "themes.toml" in error.value.message
