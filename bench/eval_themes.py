"""Quality of the theme classifier (issues « Synthèse départementale », « Une synthèse qu'on imprime »).

The test of record, on ``../shared/corpus/texts/decidim-granddebat-mel-nancy/``: the proposals
whose authors chose their own theme among the four official ones of 2019; macro-F1 over the
four official themes (target ≥ 0.75; a plain keyword list reached 0.68 there, TF-IDF +
logistic regression 0.56), the confusion matrix and the share « à classer ». A contribution
counts under the official theme of its main theme; « à classer » counts as a miss. It is
printed only with ``--test``: it is scored once, after the taxonomy is settled, never tuned on.

Development material, printed by default (labels are those of the question a text answers,
not of its content): the Grand Débat questionnaire answers of ``gdn-tamis-annotated``
(fiscalité, écologie, démocratie), the answers to the debates' questions on the Decidim
platforms, and the answers to the « organisation de l'État » questionnaire
(``gdn-organisation-answers``) — eight of its ten questions; the answers to the other two
(columns 38 and 41) are kept unseen while the lists are edited and printed apart, to tell
what generalises from what was fitted.

    python bench/eval_themes.py [--test]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import CORPUS, ROOT

sys.path.insert(0, str(ROOT))

CODES = {
    "LA_FISCALITE_ET_LES_DEPENSES_PUBLIQUES": "fiscalite",
    "ORGANISATION_DE_LETAT_ET_DES_SERVICES_PUBLICS": "organisation",
    "LA_TRANSITION_ECOLOGIQUE": "ecologie",
    "DEMOCRATIE_ET_CITOYENNETE": "democratie",
}
OFFICIAL = list(CODES.values())
MISSED = "a_classer"


def evaluate(name: str, items: list[tuple[str, str]]) -> float:
    from mairie_cli.synthesis.classify import Classifier
    from mairie_cli.synthesis.taxonomy import load

    taxonomy = load()
    classifier = Classifier(taxonomy)
    started = time.perf_counter()
    pairs = Counter()
    for text, gold in items:
        predicted = taxonomy.official_of(classifier.classify(text).main) or MISSED
        pairs[(gold, predicted)] += 1
    seconds = time.perf_counter() - started
    print(
        f"{name} : {len(items)} textes, {seconds / len(items) * 1e6:.0f} µs par texte "
        "(racines apprises au fil)"
    )
    print(f"  {'réel ↓ / prédit →':<18}" + "".join(f"{p[:10]:>12}" for p in [*OFFICIAL, "à classer"]))
    scores = []
    for gold in OFFICIAL:
        row = [pairs[(gold, p)] for p in [*OFFICIAL, MISSED]]
        true_positive = pairs[(gold, gold)]
        predicted = sum(pairs[(g, gold)] for g in OFFICIAL)
        actual = sum(row)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if actual:
            scores.append(f1)
        print(
            f"  {gold:<18}"
            + "".join(f"{n:>12}" for n in row)
            + f"   P {precision:.2f} R {recall:.2f} F1 {f1:.2f}"
        )
    unclassified = sum(v for (_, p), v in pairs.items() if p == MISSED) / len(items)
    macro = sum(scores) / len(scores)
    print(f"  macro-F1 {macro:.3f} sur {len(scores)} thèmes officiels ; « à classer » {unclassified:.1%}")
    return macro


#: Questions of the « organisation » questionnaire kept unseen while the taxonomy is edited.
HELD_OUT_QUESTIONS = (38, 41)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="score the test of record too (once)")
    args = parser.parse_args()
    test_file = CORPUS / "decidim-granddebat-mel-nancy" / "contributions.jsonl"
    dev_file = CORPUS / "gdn-tamis-annotated" / "contributions.jsonl"
    organisation_file = CORPUS / "gdn-organisation-answers" / "contributions.jsonl"
    if not test_file.exists():
        print("Corpus ../shared/corpus/texts absent : évaluation sautée.")
        return
    rows = _jsonl(test_file)
    if dev_file.exists():
        evaluate(
            "Développement (réponses au questionnaire, gdn-tamis)",
            [(r["text"], CODES[r["theme"]]) for r in _jsonl(dev_file) if r["theme"] in CODES],
        )
    # Also development material: answers to the questions of the « Lettre aux Français » on the
    # same platforms, labelled by the question's theme (not the proposals: those are the test).
    evaluate(
        "Développement (réponses aux questions des débats, Decidim MEL)",
        [
            (r["text"], CODES[r["theme"]])
            for r in rows
            if r["kind"] == "debate_comment" and r["theme"] in CODES
        ],
    )
    if organisation_file.exists():
        answers = _jsonl(organisation_file)
        for title, held in (("8 questions", False), ("2 questions tenues à l'écart", True)):
            chosen = [
                (r["text"], CODES[r["theme"]])
                for r in answers
                if (r["question_column"] in HELD_OUT_QUESTIONS) == held
            ]
            recall(f"Questionnaire « organisation de l'État », {title}", chosen)
    if not args.test:
        print("\nTest de référence (propositions Decidim) non calculé : ajoutez --test, une fois.")
        return
    test = [
        (f"{r['title']}. {r['text']}" if r.get("title") else r["text"], CODES[r["theme"]])
        for r in rows
        if r["kind"] == "proposal" and r["theme"] in CODES
    ]
    macro = evaluate("Évaluation (propositions classées par leurs auteurs, Decidim MEL/Nancy)", test)
    print(
        "Cible : macro-F1 ≥ 0,75 (liste de mots simple : 0,68) → "
        + ("atteinte" if macro >= 0.75 else "NON atteinte")
    )


def recall(name: str, items: list[tuple[str, str]]) -> None:
    """Where texts of one official theme go (a set with one theme has no precision)."""
    from mairie_cli.synthesis.classify import Classifier
    from mairie_cli.synthesis.taxonomy import load

    taxonomy = load()
    classifier = Classifier(taxonomy)
    found = Counter(taxonomy.official_of(classifier.classify(text).main) or MISSED for text, _ in items)
    gold = items[0][1]
    print(f"{name} : {len(items)} textes, rappel « {gold} » {found[gold] / len(items):.1%}")
    print("  " + ", ".join(f"{theme} {count}" for theme, count in found.most_common()))


if __name__ == "__main__":
    main()
