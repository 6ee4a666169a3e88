"""An explainable, offline theme classifier: word and expression lists, French word forms.

Each word of a contribution is reduced to its root with Snowball's French stemmer (« impôts »,
« imposés » → « impôt », « impos ») and looked up in the taxonomy's lists, accents and case
aside. What decides a theme is said with it: the words that triggered it.

The known traps of keyword grids, and what is done about each:
- long texts match everything: a word counts once per contribution, however often it is
  repeated, and a secondary theme must reach half the main theme's score;
- the theme with the longest list wins by size: a word listed under several themes counts
  for each only in proportion (1/n), and expressions (several words in a row, more specific)
  count double;
- roots collide once accents are removed (« loyer » and « loi », « environnement » and
  « environ »): a word matches a listed word only if it also starts like it and is nearly as
  long, and a listed word written « =mot » matches that exact form only;
- some words are noise in this material (« cahier de doléances », « maire », « président »):
  the taxonomy lists them under « bruit » and they never count;
- below the threshold a contribution is « à classer », never forced into a theme.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mairie_cli.synthesis.taxonomy import TO_CLASSIFY, Taxonomy
from mairie_cli.textnorm import content_words, fold, words

#: Score a contribution needs for a theme; a secondary theme needs this share of the main one.
THRESHOLD = 1.0
SECONDARY_SHARE = 0.5


def _fold(word: str) -> str:
    return fold(word).replace("œ", "oe").replace("æ", "ae")


@dataclass(frozen=True)
class _Term:
    theme: str
    subtheme: str
    text: str  # as listed, for the explanation
    folded: str
    exact: bool
    weight: float


@dataclass(frozen=True)
class _Expression:
    theme: str
    subtheme: str
    text: str
    stems: tuple[str, ...]
    weight: float


#: What a word form matches: its root, (theme, sub-theme, weight) of the listed words it is a
#: form of, the expressions that may start with it.
_Form = tuple[str, tuple[tuple[str, str, float], ...], tuple[_Expression, ...]]


@dataclass
class Classification:
    """The themes of one contribution, with the words that decided them."""

    main: str
    secondary: tuple[str, ...] = ()
    triggers: dict[str, list[str]] = field(default_factory=dict)  # theme -> words found
    subthemes: dict[str, list[str]] = field(default_factory=dict)  # theme -> sub-themes found
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def themes(self) -> tuple[str, ...]:
        return (self.main, *self.secondary)


class Classifier:
    """Classifies texts with a taxonomy; roots are computed once per word form and kept."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        import snowballstemmer

        self.taxonomy = taxonomy
        self._stemmer = snowballstemmer.stemmer("french")
        self._known: dict[str, _Form] = {}
        self._noise = frozenset(_fold(w) for w in taxonomy.noise)
        self._words: dict[str, list[_Term]] = defaultdict(list)
        self._exact: dict[str, list[_Term]] = defaultdict(list)
        self._expressions: dict[str, list[_Expression]] = defaultdict(list)
        self._official = {theme.id: theme.official for theme in taxonomy.themes}
        self._build()

    def _build(self) -> None:
        single: list[tuple[str, str, str]] = []
        multi: list[tuple[str, str, str]] = []
        for theme in self.taxonomy.themes:
            for sub in theme.subthemes:
                for word in sub.words:
                    (multi if len(words(word.lstrip("="))) > 1 else single).append((theme.id, sub.id, word))
                multi.extend((theme.id, sub.id, e) for e in sub.expressions)
        # A word listed under several themes counts for each in proportion.
        themes_of: dict[str, set[str]] = defaultdict(set)
        for theme_id, _, word in single:
            themes_of[self._key(word)].add(theme_id)
        for theme_id, sub_id, word in single:
            exact = word.startswith("=")
            bare = word.lstrip("=").lower().strip()
            folded = _fold(bare)
            if folded in self._noise:
                continue
            term = _Term(theme_id, sub_id, bare, folded, exact, 1.0 / len(themes_of[self._key(word)]))
            if exact:
                self._exact[folded].append(term)
            else:
                self._words[self.root(bare)].append(term)
        # An expression counts once per theme however many of its forms are listed (« service
        # public », « services publics »), and in proportion when several themes list it.
        by_stems: dict[tuple[str, ...], dict[str, tuple[str, str]]] = defaultdict(dict)
        for theme_id, sub_id, text in multi:
            stems = tuple(self.root(t) for t in content_words(text))
            if stems:
                by_stems[stems].setdefault(theme_id, (sub_id, text))
        for stems, themes in by_stems.items():
            for theme_id, (sub_id, text) in themes.items():
                weight = 2.0 / len(themes)
                self._expressions[stems[0]].append(_Expression(theme_id, sub_id, text, stems, weight))

    def _key(self, word: str) -> str:
        bare = word.lstrip("=").lower().strip()
        return _fold(bare) if word.startswith("=") else self.root(bare)

    def root(self, word: str) -> str:
        """The folded Snowball root of a lower-case word."""
        return _fold(self._stemmer.stemWord(word))

    def _forms(self, word: str) -> _Form:
        """What a lower-case word form matches: worked out once per form and remembered
        (stemming is slow, and word forms repeat)."""
        form = self._known.get(word)
        if form is None:
            root, folded = self.root(word), _fold(word)
            if folded in self._noise:
                form = (root, (), ())
            else:
                terms = [*self._exact.get(folded, ())]
                terms += [t for t in self._words.get(root, ()) if self._same_word(folded, t.folded)]
                notes = tuple((t.theme, t.subtheme, t.weight) for t in terms)
                form = (root, notes, tuple(self._expressions.get(root, ())))
            if len(self._known) < 200_000:
                self._known[word] = form
        return form

    def classify(self, text: str) -> Classification:
        return self.classify_words(content_words(text))

    def classify_words(self, tokens: list[str]) -> Classification:
        """``classify`` for a text already cut into words (``textnorm.content_words``)."""
        found, subs, first_seen = self._count(tokens)
        main, secondary, scores = self._decide(found, first_seen)
        if main == TO_CLASSIFY:
            return Classification(TO_CLASSIFY, triggers={t: list(w) for t, w in found.items()}, scores=scores)
        kept = (main, *secondary)
        return Classification(
            main,
            secondary,
            {t: list(found[t]) for t in kept},
            {t: sorted(set(subs[t])) for t in kept},
            scores,
        )

    def themes(self, tokens: list[str]) -> tuple[str, tuple[str, ...], float]:
        """Main theme, secondary themes and the main theme's score, without the explanation:
        what a synthesis of a million texts needs."""
        found, _, first_seen = self._count(tokens)
        main, secondary, scores = self._decide(found, first_seen)
        return main, secondary, scores.get(main, 0.0)

    def _count(
        self, tokens: list[str]
    ) -> tuple[dict[str, dict[str, float]], dict[str, list[str]], dict[str, int]]:
        """Per theme, the words found with their weights (a word counts once, however often it
        is repeated), the sub-themes they belong to, the first position the theme is seen at.
        Written for speed: most words match nothing and cost one dictionary lookup."""
        found: dict[str, dict[str, float]] = {}  # theme -> listed text -> weight
        subs: dict[str, list[str]] = {}
        first_seen: dict[str, int] = {}
        known = self._known
        forms = [known.get(t) or self._forms(t) for t in tokens]
        roots: list[str] | None = None
        for position, (_root, notes, expressions) in enumerate(forms):
            if not notes and not expressions:
                continue  # most words
            if expressions:
                if roots is None:
                    roots = [form[0] for form in forms]
                matched = [
                    (e.theme, e.subtheme, e.text, e.weight)
                    for e in expressions
                    if tuple(roots[position : position + len(e.stems)]) == e.stems
                ]
            else:
                matched = []
            word = tokens[position]
            for theme, subtheme, listed, weight in [(t, s, word, w) for t, s, w in notes] + matched:
                words = found.get(theme)
                if words is None:
                    words = found[theme] = {}
                    subs[theme] = []
                    first_seen[theme] = position
                if listed not in words:
                    words[listed] = weight
                subs[theme].append(subtheme)
        return found, subs, first_seen

    def _decide(
        self, found: dict[str, dict[str, float]], first_seen: dict[str, int]
    ) -> tuple[str, tuple[str, ...], dict[str, float]]:
        """Main theme, secondary themes, scores."""
        scores = {theme: sum(words.values()) for theme, words in found.items()}
        # The official theme first, on the scores of all the themes under it (« santé » and
        # « pouvoir d'achat » both speak for the fiscal theme), then the main theme within it.
        officials: dict[str, float] = defaultdict(float)
        for theme, score in scores.items():
            officials[self._official[theme]] += score
        if not officials or max(officials.values()) < THRESHOLD:
            return TO_CLASSIFY, (), scores
        ranked = sorted(scores, key=lambda t: (-officials[self._official[t]], -scores[t], first_seen[t]))
        main = ranked[0]
        ranked = sorted(scores, key=lambda t: (-scores[t], first_seen[t]))
        secondary = tuple(
            t for t in ranked if t != main and scores[t] >= max(THRESHOLD, SECONDARY_SHARE * scores[main])
        )
        return main, secondary, scores

    @staticmethod
    def _same_word(token: str, listed: str) -> bool:
        """Same root is not enough: the word must also start like the listed one, all but its
        last two letters (« impôts », « médicaux » are forms of « impôt », « médical »; « lois »
        is not « loyer », « environ » not « environnement », « contribuer » not « contribuable »)."""
        common = 0
        for a, b in zip(token, listed, strict=False):
            if a != b:
                break
            common += 1
        return common >= max(3, len(listed) - 2)
