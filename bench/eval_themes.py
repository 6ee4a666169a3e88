"""Quality of the theme classifier (issue « Synthèse départementale »).

On ``../shared/corpus/texts/decidim-granddebat-mel-nancy/``, the proposals whose authors
chose their own theme among the four official ones of 2019: macro-F1 over the four official
themes (target ≥ 0.75; a plain keyword list reached 0.68 there, TF-IDF + logistic
regression 0.56), the confusion matrix and the share « à classer ». A contribution counts
under the official theme of its main theme; « à classer » counts as a miss.

For information, the same on the development material (the Grand Débat questionnaire
answers of ``gdn-tamis-annotated``, and the answers to the debates' questions on the Decidim
platforms, both labelled by the question they answer), and the speed.

    python bench/eval_themes.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter

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


def main() -> None:
    test_file = CORPUS / "decidim-granddebat-mel-nancy" / "contributions.jsonl"
    dev_file = CORPUS / "gdn-tamis-annotated" / "contributions.jsonl"
    if not test_file.exists():
        print("Corpus ../shared/corpus/texts absent : évaluation sautée.")
        return
    rows = [json.loads(line) for line in test_file.read_text(encoding="utf-8").split("\n") if line]
    test = [
        (f"{r['title']}. {r['text']}" if r.get("title") else r["text"], CODES[r["theme"]])
        for r in rows
        if r["kind"] == "proposal" and r["theme"] in CODES
    ]
    if dev_file.exists():
        dev = [json.loads(line) for line in dev_file.read_text(encoding="utf-8").split("\n") if line]
        evaluate(
            "Développement (réponses au questionnaire, gdn-tamis)",
            [(r["text"], CODES[r["theme"]]) for r in dev if r["theme"] in CODES],
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
    macro = evaluate("Évaluation (propositions classées par leurs auteurs, Decidim MEL/Nancy)", test)
    print(
        "Cible : macro-F1 ≥ 0,75 (liste de mots simple : 0,68) → "
        + ("atteinte" if macro >= 0.75 else "NON atteinte")
    )


if __name__ == "__main__":
    main()
