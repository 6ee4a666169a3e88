"""The second labelled set, built another way than the first (data inserted where people put it,
numbers written as hands write them, names partly outside the lexicon): the test of record.

Here on the generator's own base sentences; ``bench/bench_privacy.py`` runs it on real Grand
Débat texts, development and unseen halves apart.
"""

from mairie_cli.privacy.detect import KINDS, Detector
from testkit.privacy_eval import score
from testkit.privacy_set2 import build

STRUCTURED = ("TÉLÉPHONE", "COURRIEL", "NIR", "IBAN")


def test_second_set_recall_and_precision():
    items = build(None, 400)
    for part in ("dev", "unseen"):
        result = score(Detector(), [i for i in items if i["part"] == part])
        assert all(result.labelled[k] >= 20 for k in KINDS), result.labelled
        for kind in STRUCTURED:  # valid key or not, a digit missing or not
            assert result.recall(kind) == 1.0, (part, kind, result.misses[:5])
        for kind in ("ADRESSE", "NOM"):
            assert result.recall(kind) >= 0.95, (part, kind, result.misses[:5])
        assert result.precision() >= 0.95, result.false_alarms[:5]


def test_the_set_holds_what_the_issue_names():
    texts = " ".join(i["text"] for i in build(None, 400))
    for sample in ("+33 (0)", "Ont signé : ", "J'habite au ", "Appelez-moi au ", "La femme ", "Les sœurs "):
        assert sample in texts
