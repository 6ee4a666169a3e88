"""Finding French personal data in free text, offline, and masking it.

Six kinds, each found by the rule that suits it: phone numbers by the ``phonenumbers``
library (every usual French format, « +33 (0)6 », dots, dashes), email addresses by a
pattern that also accepts what OCR makes of « @ », social-security numbers (NIR) and IBANs
by their format *and* their check key, postal addresses by number + type of way + name
(or a postcode and town after the way), person names after a title (« M. », « Madame »,
« Docteur »), in a signature (« Signé : … »), after « je m'appelle », or as a known first
name followed by a capitalised word.

What is public is left alone: people named as public figures (the President, a minister),
a street or a school named after a person (« rue Jean Jaurès » is an address), the generic
mailbox of an institution (mairie@…, contact@…).

Every decision is explainable: a span says its kind and the rule that found it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from mairie_cli.privacy import lexicon
from mairie_cli.privacy.numbers import emails, ibans, nirs, phones
from mairie_cli.privacy.spans import (
    ADDRESS,
    EMAIL,
    IBAN,
    KINDS,
    NAME,
    NIR,
    PHONE,
    PRIORITY,
    Span,
    count_kinds,
    fold,
    fold_word,
    placeholder,
)

__all__ = [
    "ADDRESS",
    "EMAIL",
    "IBAN",
    "KINDS",
    "NAME",
    "NIR",
    "PHONE",
    "Detector",
    "Span",
    "count_kinds",
    "fold",
    "placeholder",
]

# -- patterns ------------------------------------------------------------------------------

_UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
_LOWER = "a-zàâäçéèêëîïôöùûüÿœæ"
_CAP_WORD = rf"[{_UPPER}][{_LOWER}{_UPPER}'’\-]+"
_WORD = rf"[{_UPPER}{_LOWER}][{_LOWER}{_UPPER}'’\-]*"

# Eight digits with at most three separators between each: a phone, NIR or IBAN may be there.
_MANY_DIGITS = re.compile(r"\d(?:\D{0,3}\d){7}")

_WAY = (
    r"(?i:rue|ruelle|avenue|av\.|boulevard|bd|bld|chemin|impasse|imp\.|all[ée]e|place|route|rte|quai|"
    r"cours|square|r[ée]sidence|hameau|faubourg|fbg|passage|sentier|voie|rond-point|lotissement|"
    r"cit[ée]|mont[ée]e|chauss[ée]e|esplanade|promenade|villa|clos|domaine|lieu-dit|lieudit|"
    r"chemin rural|voie communale)"
)
_ARTICLE = r"(?i:de\s+la\s+|de\s+l['’]\s*|du\s+|des\s+|de\s+|d['’]\s*|la\s+|le\s+|les\s+|l['’]\s*|aux\s+)"
_CONNECTOR = r"(?i:\s+(?:de\s+la|de|du|des|d['’]|la|le|les|l['’]|et|sur|sous|en|aux)\s*|[\s\-]+)"
# Ways whose name is the way itself (« 45, Grande Rue »).
_WHOLE_WAY = r"(?i:grande\s+rue|grand['’]\s*rue|grand\s+rue)"
_NOT_A_WAY_NAME = r"(?!(?i:sur|sous|en|et|ou|à|a|de|pour|par|avec)\b)"
_WAY_NAME = (
    rf"{_ARTICLE}?{_NOT_A_WAY_NAME}{_WORD}(?:{_CONNECTOR}(?:{_CAP_WORD}|\d+))*?(?:{_CONNECTOR}{_CAP_WORD})*"
)
_POSTCODE_TOWN = (
    rf"(?:\s*,?\s*(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+{_CAP_WORD}(?:(?:[\s\-]+(?i:sur|sous|en|le|la|les|de|du|des|"
    rf"d['’]|l['’]|lès|les)?[\s\-]*){_CAP_WORD}){{0,4}}(?:\s+C[Ee][Dd][Ee][Xx](?:\s+\d+)?)?)"
)
_NUMBER = r"\d{1,4}\s?(?i:bis|ter|quater|[A-D](?![\w']))?\s?,?\s+"
# Two patterns, each starting with what is rarest (a digit; a postcode), so that the regular
# expression engine skips quickly to where an address can start.
_ADDRESS_NUMBER = re.compile(rf"{_NUMBER}(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}?")
_POSTCODE = re.compile(r"\d{5}|\d\d \d{3}")
_NUMBER_RUN = re.compile(r"\d{1,4}")
_WAY_AFTER = re.compile(rf"\s?(?i:bis|ter|quater|[A-D](?![\w']))?\s?,?\s+(?:{_WAY}|{_WHOLE_WAY})")
_ADDRESS_POSTCODE = re.compile(rf"(?<![\w])(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}")
# Where one lives, said in words: the street alone is then an address.
_HOME = re.compile(
    rf"(?i:j['’]\s*habite|habitant|domicili[ée]e?s?|demeurant|r[ée]sidant|je\s+r[ée]side)\s+(?:au\s+|à\s+|a\s+|dans\s+la\s+|dans\s+le\s+|en\s+)?"
    rf"(?P<place>(?:\d{{1,4}}\s?(?i:bis|ter)?\s?,?\s+)?(?:{_WAY}\s+{_WAY_NAME}|{_WHOLE_WAY}){_POSTCODE_TOWN}?)"
)

_PARTICLE = r"(?:de\s+|d['’]|le\s+|du\s+|van\s+|von\s+)"
_PERSON = rf"(?:{_CAP_WORD}|[{_UPPER}]\.)(?:[\s\-]+{_PARTICLE}?(?:{_CAP_WORD}|[{_UPPER}]\.)){{0,3}}"
_TITLE = re.compile(
    r"(?<![\w])(?:M\.?|MM\.?|Mr\.?|Mrs\.?|Mme\.?|Mmes\.?|Mlle\.?|Mlles\.?|Melle|Me|Dr\.?|Pr\.?|Vve|"
    r"(?i:monsieur|madame|mademoiselle|messieurs|docteur|ma[iî]tre|professeur|veuve|famille|"
    r"la\s+famille|[ée]poux|[ée]pouse))\s+(?P<name>" + _PERSON + ")"
)
_SIGNED = re.compile(r"(?i:Sign[ée]e?s?|Signatures?|Sign\.)\s*:?\s*(?i:par\s+)?(?P<name>" + _PERSON + ")")
# Family and neighbours, as registers name people: « la femme Duvigneau Joseph », « les sœurs
# Cœuret », « mon voisin Bernard », « le fils Perrin », « chez les Dupont ».
_KIN_WORDS = (
    "femme mari veuf fils fille filles père pere mère mere frère frere frères freres sœur soeur sœurs "
    "soeurs cousin cousine cousins cousines oncle tante neveu nièce niece voisin voisine voisins "
    "voisines gendre belle-fille beau-fils belle-mère beau-père enfants héritiers heritiers"
).split()
_KIN = re.compile(
    r"(?i:(?:la|le|les|l['’]|mon|ma|mes|son|sa|ses|notre|nos|leur|leurs|votre|vos)\s+(?:"
    + "|".join(re.escape(w) for w in _KIN_WORDS)
    + r")|chez\s+les) (?P<name>"
    + _PERSON
    + ")"
)
# A closing formula, then the name on the next line.
_CLOSING = re.compile(
    r"(?i:cordialement|salutations|respectueusement|bien\s+[àa]\s+vous|amicalement|sinc[èe]rement)"
    r"[^\n]{0,60}?\n\s*(?P<name>" + _PERSON + ")"
)
# The next person of a list after a name (« Jean Martin, Paul Girard et Marie Roux »).
_NEXT_PERSON = re.compile(r"\s*(?:,|\bet\b|&)\s*(?P<name>" + _PERSON + ")")
_SELF = re.compile(
    r"(?i:je\s+m['’]\s*appelle|je\s+me\s+nomme|je\s+soussign[ée]e?|mon\s+nom\s+est|"
    r"(?<![\w])nom\s*(?:et\s+pr[ée]nom\s*)?:|pr[ée]nom\s*(?:et\s+nom\s*)?:)\s*(?P<name>"
    + rf"{_WORD}(?:[\s\-]+{_CAP_WORD}){{0,2}})"
)
_FIRST_LAST = re.compile(
    rf"(?<![\w'’\-])(?P<first>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)"
    rf"(?P<rest>(?:\s+(?:[{_UPPER}]\.|[{_UPPER}]{{2,}}(?:[\s\-][{_UPPER}]{{2,}})?|(?:de\s+|d['’]|le\s+|du\s+)?{_CAP_WORD})))"
)
_LAST_FIRST = re.compile(
    rf"(?P<last>[{_UPPER}]{{2,}}(?:[\s\-][{_UPPER}]{{2,}})?)\s+(?P<first>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)(?![\w'’])"
)
# Cheap tests telling whether a rule can find anything in a text (lower-cased, but for the
# abbreviations, whose case matters).
# Cheap tests telling whether a rule can find anything in a text, on its lower-case copy.
_AT_HINTS = ("@", "©", "®", "(a", "[a", " at ", "arobase")
# Where the « home » pattern starts.
_HOME_STEMS = (
    "j'habite",
    "j’habite",
    "habitant",
    "domicili",
    "demeurant",
    "résidant",
    "je réside",
    "je reside",
)
# Capitalised words that are titles: a name may follow.
# Titles written in lower case (« le docteur Morel »); capitalised ones start a pair.
_TITLE_STEMS = (
    "monsieur",
    "madame",
    "docteur",
    "maître",
    "professeur",
    "veuve",
    "famille",
    "époux",
    "épouse",
)
_SIGN_STEMS = ("signé", "signe", "signature", "sign.")
_KIN_STEMS = (*_KIN_WORDS, "chez les")
_CLOSING_STEMS = (
    "cordialement", "salutations", "respectueusement", "bien à vous", "bien a vous", "amicalement",
    "sincèrement", "sincerement",
)  # fmt: skip
_SELF_STEMS = ("appelle", "nomme", "soussign", "nom :", "nom:", "prénom")
# (stems, pattern, rule, how far before the stem the pattern may start)
_ANCHORED = (
    (_TITLE_STEMS, _TITLE, "civilité", 0),
    (_SIGN_STEMS, _SIGNED, "signature", 0),
    (_SELF_STEMS, _SELF, "présentation", 16),
    (_KIN_STEMS, _KIN, "famille ou voisin", 8),
    (_CLOSING_STEMS, _CLOSING, "formule de politesse", 0),
)
#: Rules after which a list of people may follow (co-signers).
_LISTS = ("signature", "famille ou voisin", "formule de politesse")
_TITLES = frozenset(
    "M M. MM MM. Mr Mr. Mrs Mme Mme. Mmes Mlle Mlle. Melle Me Dr Dr. Pr Pr. Vve Monsieur Madame "
    "Mademoiselle Messieurs Docteur Maître Professeur Veuve Famille Époux Épouse".split()
)
_CAPITALISED_PAIR = re.compile(
    rf"[{_UPPER}](?:[{_LOWER}{_UPPER}'’\-]*[{_LOWER}{_UPPER}]|\.)?"
    rf"(?=\.?[ \-]+(?:[{_UPPER}]|d['’]|de |le |du ))"
)

# Words that stop a name (a capitalised word that is not a person's).
_NOT_NAME_WORDS = frozenset(
    fold(w)
    for w in (
        "Le La Les Un Une Des Du De Et Ou Je Il Elle Nous Vous Ils Elles On Ce Cette Ces Mon Ma Mes "
        "Son Sa Ses Notre Nos Votre Vos Leur Leurs Qui Que Quoi Dont Pour Par Sur Sans Avec Dans En "
        "Au Aux Mais Donc Car Ni Si Non Oui Merci Bonjour Madame Monsieur Mesdames Messieurs "
        "France Français Française Europe Européen Etat État République Président Gouvernement "
        "Assemblée Sénat Mairie Commune Conseil Préfecture Région Département Paris Lyon CAF CPAM "
        "EDF SNCF RSA APL SMIC CSG TVA ISF RIC RN LREM Gilets Jaunes Grand Débat Cahier Doléances "
        "Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre "
        "Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche Dieu Internet Facebook Noël Pâques "
        "Citoyen Citoyenne Citoyens Citoyennes Habitant Habitante Habitants Anonyme Retraité Retraitée "
        "Retraités Électeur Électrice Contribuable Contribuables Salutations Cordialement"
    ).split()
)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(lexicon.FIRST_NAMES)


@lru_cache(maxsize=1)
def _public() -> frozenset[str]:
    return frozenset(p.strip() for p in lexicon.PUBLIC_FIGURES if p.strip())


class Detector:
    """Finds personal data; ``keep`` and ``mask`` carry the secretary's own decisions.

    ``keep``: texts that are not personal data (« Rose », a local figure), compared without
    accents or case; ``mask``: ``(text, kind)`` pairs always masked where they appear.
    """

    def __init__(self, keep: Iterable[str] = (), mask: Iterable[tuple[str, str]] = ()) -> None:
        self.keep = frozenset(fold(k).strip() for k in keep if k.strip())
        self.mask_terms = [(fold(t).strip(), kind) for t, kind in mask if t.strip()]

    def find(self, text: str, names: Iterable[str] = ()) -> list[Span]:
        """Every span of personal data in ``text``, in order, without overlaps; ``names`` are
        the author's names as signed, found again anywhere in the text."""
        if not text:
            return []
        # Each rule runs only where a cheap test (substring searches, a digit count) says it
        # may find something: most entries have no personal data, and Python's regular
        # expressions are slow to try at every position.
        lowered = text.lower()
        found: list[Span] = []
        if any(digit in text for digit in "0123456789"):
            if _MANY_DIGITS.search(text):
                found += ibans(text) + nirs(text) + phones(text)
            found += _addresses(text)
        if any(hint in lowered for hint in _AT_HINTS):
            found += emails(text)
        found += _homes(text, lowered)
        found += _names(text, lowered)
        if self.mask_terms:
            found += self._chosen(text)
        if names:
            found += _authors(text, names)
        if self.keep:
            found = [s for s in found if fold(s.text).strip() not in self.keep]
        return _resolve(found)

    def mask(self, text: str, names: Iterable[str] = ()) -> tuple[str, Counter[str]]:
        """The text with each span replaced by its placeholder, and the count per kind."""
        spans = self.find(text, names)
        counts: Counter[str] = Counter(s.kind for s in spans)
        if not spans:
            return text, counts
        pieces = []
        position = 0
        for span in spans:
            pieces.append(text[position : span.start])
            pieces.append(placeholder(span.kind))
            position = span.end
        pieces.append(text[position:])
        return "".join(pieces), counts

    def _chosen(self, text: str) -> list[Span]:
        folded = fold(text)
        spans = []
        if len(folded) != len(text):  # a character whose folding changes the length: rare
            return []
        for term, kind in self.mask_terms:
            for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
                spans.append(
                    Span(kind, match.start(), match.end(), text[match.start() : match.end()], "choix")
                )
        return spans


def _authors(text: str, names: Iterable[str]) -> list[Span]:
    """The words of the author's name (« Jeanne Martin » signed) met again in the text."""
    words = {
        fold(word)
        for name in names
        for word in re.findall(rf"[{_UPPER}{_LOWER}][{_LOWER}{_UPPER}'’\-]+", name or "")
        if len(word) >= 3 and word not in _TITLES and fold(word) not in _NOT_NAME_WORDS
        and fold(word) not in lexicon.TITLE_FUNCTIONS
    }  # fmt: skip
    if not words:
        return []
    folded = fold(text)
    if len(folded) != len(text):
        return []
    spans = []
    for word in words:
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            if text[match.start()].isupper():  # « Martin » the person, not « martin-pêcheur »
                spans.append(
                    Span(
                        NAME, match.start(), match.end(), text[match.start() : match.end()], "nom de l'auteur"
                    )
                )
    return spans


def _resolve(spans: list[Span]) -> list[Span]:
    """Drop spans overlapping a stronger one; the secretary's choices beat every rule."""
    ordered = sorted(spans, key=lambda s: (s.rule != "choix", PRIORITY[s.kind], s.start, -(s.end - s.start)))
    kept: list[Span] = []
    for span in ordered:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


# -- addresses and names ---------------------------------------------------------------------


def _addresses(text: str) -> list[Span]:
    spans = []
    # A number followed by a word naming a way: the full pattern is tried there only.
    for run in _NUMBER_RUN.finditer(text):
        if run.start() and text[run.start() - 1] in "0123456789,.":
            continue  # the end of a larger number (« 1 250 rue… » is no address number)
        if _WAY_AFTER.match(text, run.end()):
            match = _ADDRESS_NUMBER.match(text, run.start())
            if match is not None:
                end = _trim(text, match.start(), match.end())
                spans.append(Span(ADDRESS, match.start(), end, text[match.start() : end], "numéro et voie"))
    # A postcode: a way named in the 80 characters before it, with nothing else between.
    for code in _POSTCODE.finditer(text):
        for match in _ADDRESS_POSTCODE.finditer(text, max(0, code.start() - 80), code.end() + 120):
            if match.start() <= code.start() < match.end():
                end = _trim(text, match.start(), match.end())
                spans.append(
                    Span(ADDRESS, match.start(), end, text[match.start() : end], "voie et code postal")
                )
    return spans


def _homes(text: str, lowered: str) -> list[Span]:
    spans = []
    for stem in _HOME_STEMS if len(lowered) == len(text) else ():
        position = lowered.find(stem)
        while position != -1:
            match = _HOME.match(text, position)
            if match is not None:
                start, end = match.start("place"), _trim(text, match.start("place"), match.end("place"))
                spans.append(Span(ADDRESS, start, end, text[start:end], "domicile"))
            position = lowered.find(stem, position + 1)
    return spans


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " ,.;:-'’":
        end -= 1
    return end


def _names(text: str, lowered: str) -> list[Span]:
    found: list[tuple[re.Match[str], str]] = []
    # Titles in lower case (« le docteur Morel »), signatures and introductions: each rule is
    # tried where its word is, found by ``str.find`` (Python's regular expressions are slow
    # to try at every position).
    if len(lowered) == len(text):
        for stems, pattern, rule, back in _ANCHORED:
            for stem in stems:
                position = lowered.find(stem)
                while position != -1:
                    if back:
                        match = pattern.search(text, max(0, position - back))
                        if match is not None and match.start() > position:
                            match = None
                    else:
                        match = pattern.match(text, position)
                    if match is not None:
                        found.append((match, rule))
                    position = lowered.find(stem, position + 1)
    spans: list[Span] = []
    first_names = _first_names()
    # Most names are two capitalised words in a row (« Jean Dupont », « M. Dupont »,
    # « DUPONT Jean »): the rules are tried only where such a pair starts.
    for pair in _CAPITALISED_PAIR.finditer(text):
        word = pair.group(0)
        role = _role(word)
        if not role:
            continue
        position = pair.start()
        if position and (text[position - 1].isalnum() or text[position - 1] in "'’-"):
            continue
        if role == 1:
            title = _TITLE.match(text, position)
            if title is not None:
                found.append((title, "civilité"))
            continue
        if role == 2:
            match = _FIRST_LAST.match(text, position)
            if match is not None:
                start, end = position, _name_end(text, position, match.end())
                if _is_person(text, start, end, "prénom"):
                    spans.append(Span(NAME, start, end, text[start:end], "prénom"))
        else:
            match = _LAST_FIRST.match(text, position)
            if match is not None and fold_word(match["first"]).split("-")[0] in first_names:
                spans.append(Span(NAME, position, match.end(), match.group(0), "prénom"))
    for match, rule in found:
        named = _named(text, match.start("name"), match.end("name"), rule)
        spans += named
        end = match.end("name")
        while named and rule in _LISTS and (following := _NEXT_PERSON.match(text, end)) is not None:
            more = _named(text, following.start("name"), following.end("name"), rule)
            if not more:
                break
            spans += more
            end = following.end("name")
    return spans


def _named(text: str, start: int, end: int, rule: str) -> list[Span]:
    """The name found by a rule, cut where it stops, unless it is no person's."""
    end = _name_end(text, start, end)
    title = re.match(r"\S+\s+", text[start:end])
    if title and title.group(0).strip() in _TITLES:  # « Signé : Famille Roux » → « Roux »
        start += len(title.group(0))
    if end > start and _is_person(text, start, end, rule):
        return [Span(NAME, start, end, text[start:end], rule)]
    return []


@lru_cache(maxsize=1 << 16)
def _role(word: str) -> int:
    """What a capitalised word may start: 1 a title, 2 a first name then a surname, 3 a
    surname in capitals then a first name, 0 nothing (most words: decided once, remembered)."""
    if word in _TITLES:
        return 1
    if fold(word).split("-")[0] in _first_names():
        return 2
    if len(word) > 1 and word.isupper() and fold(word) not in _NOT_NAME_WORDS:
        return 3
    return 0


def _name_end(text: str, start: int, end: int) -> int:
    """Cut a name before the first word that cannot be part of it (« Dupont Merci » → « Dupont »)."""
    words = list(re.finditer(r"[^\s]+", text[start:end]))
    kept_end = start
    for index, word in enumerate(words):
        if index and fold(word.group(0).strip(".,;:")) in _NOT_NAME_WORDS:
            break
        kept_end = start + word.end()
    return _trim(text, start, kept_end)


def _is_person(text: str, start: int, end: int, rule: str) -> bool:
    name = fold(text[start:end]).strip(" .")
    words = name.replace("-", " ").split()
    if not words or words[0] in lexicon.TITLE_FUNCTIONS or words[0] in _NOT_NAME_WORDS:
        return False
    if rule == "présentation" and not (text[start].isupper() or words[0] in _first_names()):
        return False
    public = _public()
    if name in public or " ".join(words[-2:]) in public or (len(words) == 1 and words[0] in public):
        return False
    # A school, a street, a square named after someone is not that person.
    before = fold(text[max(0, start - 30) : start]).replace("-", " ").split()
    if before and before[-1] in lexicon.INSTITUTIONS:
        return False
    if (
        len(before) >= 2
        and before[-2] in lexicon.INSTITUTIONS
        and before[-1] in ("de", "du", "des", "d'", "la", "le")
    ):
        return False
    return not (rule == "prénom" and len(words) == 1)
