"""Person names in free text: after a title, a signature, an introduction, a family or
neighbour word, a closing formula; as a known first name and a surname (either order); in lists
of co-signers; and the author's own name met again in the text. Streets, schools and public
figures named after people are left alone."""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from mairie_cli.privacy import lexicon
from mairie_cli.privacy.spans import NAME, Span, fold, fold_word

UPPER = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
LOWER = "a-zàâäçéèêëîïôöùûüÿœæ"
CAP_WORD = rf"[{UPPER}][{LOWER}{UPPER}'’\-]+"
WORD = rf"[{UPPER}{LOWER}][{LOWER}{UPPER}'’\-]*"

_PARTICLE = r"(?:de\s+|d['’]|le\s+|du\s+|van\s+|von\s+)"
_PERSON = rf"(?:{CAP_WORD}|[{UPPER}]\.)(?:[ \t\-]+{_PARTICLE}?(?:{CAP_WORD}|[{UPPER}]\.)){{0,3}}"
# What each rule reads before the name it finds, as pattern sources: the rules' own patterns
# are made of them, and the first look (``first_look``) of the same sources.
TITLE_LEAD = (
    r"(?:M\.?|MM\.?|Mr\.?|Mrs\.?|Mme\.?|Mmes\.?|Mlle\.?|Mlles\.?|Melle|Me|Dr\.?|Pr\.?|Vve|"
    r"(?i:monsieur|madame|mademoiselle|messieurs|docteur|ma[iî]tre|professeur|veuve|famille|"
    r"la\s+famille|[ée]poux|[ée]pouse))\s+"
)
SIGNED_LEAD = r"(?i:Sign[ée]e?s?|Signatures?|Sign\.)\s*:?\s*(?i:par\s+)?"
_TITLE = re.compile(r"(?<![\w])" + TITLE_LEAD + "(?P<name>" + _PERSON + ")")
_SIGNED = re.compile(SIGNED_LEAD + "(?P<name>" + _PERSON + ")")
# Family and neighbours, as registers name people: « la femme Duvigneau Joseph », « les sœurs
# Cœuret », « mon voisin Bernard », « le fils Perrin », « chez les Dupont ».
_KIN_WORDS = (
    "femme mari veuf fils fille filles père pere mère mere frère frere frères freres sœur soeur sœurs "
    "soeurs cousin cousine cousins cousines oncle tante neveu nièce niece voisin voisine voisins "
    "voisines gendre belle-fille beau-fils belle-mère beau-père enfants héritiers heritiers"
).split()
KIN_LEAD = (
    r"(?i:(?:la|le|les|l['’]|mon|ma|mes|son|sa|ses|notre|nos|leur|leurs|votre|vos)\s+(?:"
    + "|".join(re.escape(w) for w in _KIN_WORDS)
    + r")|chez\s+les) "
)
_KIN = re.compile(KIN_LEAD + "(?P<name>" + _PERSON + ")")
# A closing formula, then the name on the next line.
CLOSING_LEAD = (
    r"(?i:cordialement|salutations|respectueusement|bien\s+[àa]\s+vous|amicalement|sinc[èe]rement)"
    r"[^\n]{0,60}?\n\s*"
)
_CLOSING = re.compile(CLOSING_LEAD + "(?P<name>" + _PERSON + ")")
# The next person of a list after a name (« Jean Martin, Paul Girard et Marie Roux »).
_NEXT_PERSON = re.compile(r"\s*(?:,|\bet\b|&)\s*(?P<name>" + _PERSON + ")")
# (Its look-behind is left out of the first look's copy, ``hints``: RE2 has none.)
SELF_LEAD = (
    r"(?i:je\s+m['’]\s*appelle|je\s+me\s+nomme|je\s+soussign[ée]e?|mon\s+nom\s+est|"
    r"(?<![\w])nom\s*(?:et\s+pr[ée]nom\s*)?:|pr[ée]nom\s*(?:et\s+nom\s*)?:)\s*"
)
_SELF = re.compile(SELF_LEAD + rf"(?P<name>{WORD}(?:[\s\-]+{CAP_WORD}){{0,2}})")
_FIRST_LAST = re.compile(
    rf"(?<![\w'’\-])(?P<first>[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?)"
    rf"(?P<rest>(?:\s+(?:[{UPPER}]\.|[{UPPER}]{{2,}}(?:[\s\-][{UPPER}]{{2,}})?|(?:de\s+|d['’]|le\s+|du\s+)?{CAP_WORD})))"
)
_LAST_FIRST = re.compile(
    rf"(?P<last>[{UPPER}]{{2,}}(?:[\s\-][{UPPER}]{{2,}})?)\s+(?P<first>[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?)(?![\w'’])"
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
_NAME_REACH = 90  # characters after its word within which a rule's name ends
_CLOSING_STEMS = (
    "cordialement", "salutations", "respectueusement", "bien à vous", "bien a vous", "amicalement",
    "sincèrement", "sincerement",
)  # fmt: skip
# How a closing formula's first word stands among the text's words (« Cordialement, »).
_CLOSING_FORMS = tuple(
    (stem, frozenset(stem.split()[0] + end for end in ("", ",", ".", "!"))) for stem in _CLOSING_STEMS
)
#: Every word the lists above look for among a text's words.
_ANCHOR_WORDS = frozenset(
    [*_TITLE_STEMS, *_KIN_WORDS, "chez", *(form for _, forms in _CLOSING_FORMS for form in forms)]
)
_SELF_STEMS = ("appelle", "nomme", "soussign", "nom :", "nom:", "prénom")
# (stems, pattern, rule, how far before the stem the pattern may start)
_SIGNATURE = (_SIGN_STEMS, _SIGNED, "signature", 0)
_INTRODUCTION = (_SELF_STEMS, _SELF, "présentation", 16)
#: Rules after which a list of people may follow (co-signers).
_LISTS = ("signature", "famille ou voisin", "formule de politesse")
_TITLES = frozenset(
    "M M. MM MM. Mr Mr. Mrs Mme Mme. Mmes Mlle Mlle. Melle Me Dr Dr. Pr Pr. Vve Monsieur Madame "
    "Mademoiselle Messieurs Docteur Maître Professeur Veuve Famille Époux Épouse".split()
)
_CAPITALISED_PAIR = re.compile(
    rf"[{UPPER}](?:[{LOWER}{UPPER}'’\-]*[{LOWER}{UPPER}]|\.)?"
    rf"(?=\.?[ \-]+(?:[{UPPER}]|d['’]|de |le |du ))"
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
        "Retraités Électeur Électrice Contribuable Contribuables Salutations Cordialement Ont Sont "
        "Saint Sainte Mont Port Pont Val Bourg Château Lac Cap Île"
    ).split()
)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(lexicon.FIRST_NAMES)


@lru_cache(maxsize=1)
def _public() -> frozenset[str]:
    return frozenset(p.strip() for p in lexicon.PUBLIC_FIGURES if p.strip())


_AUTHOR_WORD = re.compile(rf"[{UPPER}{LOWER}][{LOWER}{UPPER}'’\-]+")


@lru_cache(maxsize=1 << 16)  # a commune's authors, many times each
def _author_words(name: str) -> tuple[tuple[str, str], ...]:
    """The words of a signed name worth finding again: ``(lower case, folded)`` each."""
    words = [(word, fold_word(word)) for word in _AUTHOR_WORD.findall(name)]
    return tuple(
        (word.lower(), folded)
        for word, folded in words
        if len(word) >= 3 and word not in _TITLES and folded not in _NOT_NAME_WORDS
        and folded not in lexicon.TITLE_FUNCTIONS
    )  # fmt: skip


def author_names(text: str, lowered: str, names: Iterable[str]) -> list[Span]:
    """The words of the author's name (« Jeanne Martin » signed) met again in the text."""
    words = {
        folded
        for name in names
        if name
        for lower, folded in _author_words(name)
        if lower in lowered or (folded != lower and folded in lowered)
    }
    if not words:
        return []  # most texts: a substring test, and nothing is folded
    folded_text = fold(text)
    if len(folded_text) != len(text):
        return []
    spans = []
    for word in words:
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", folded_text):
            if text[match.start()].isupper():  # « Martin » the person, not « martin-pêcheur »
                found = text[match.start() : match.end()]
                spans.append(Span(NAME, match.start(), match.end(), found, "nom de l'auteur"))
    return spans


def trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " ,.;:-'’":
        end -= 1
    return end


def _anchored(text: str, lowered: str, words: list[str]) -> list[tuple[re.Match[str], str]]:
    """Titles in lower case (« le docteur Morel »), signatures, introductions, family words,
    closing formulas: each rule is tried only where its word is, found by ``str.find`` (Python's
    regular expressions are slow to try at every position). The family words, many, are first
    looked up among the text's words."""
    tokens = _ANCHOR_WORDS.intersection(words)  # the few anchor words the text has
    if tokens:  # each list in the order of its rule's words
        titles = sorted(tokens.intersection(_TITLE_STEMS), key=_TITLE_STEMS.index)  # no punctuation after
        kin = sorted(tokens.intersection(_KIN_WORDS), key=_KIN_WORDS.index)
        if "chez" in tokens:
            kin.append("chez les")
        closing = [stem for stem, forms in _CLOSING_FORMS if not forms.isdisjoint(tokens)]
    else:
        titles, kin, closing = [], [], []
    found: list[tuple[re.Match[str], str]] = []
    chosen: list[tuple[Sequence[str], re.Pattern[str], str, int]] = []
    if titles:
        chosen.append((titles, _TITLE, "civilité", 0))
    # Substrings of the rules' stems looked for first (most texts have none; tested):
    signed = "sign" in lowered  # in each stem of a signature, and in « soussigné »
    if signed:
        chosen.append(_SIGNATURE)
    introduced = (  # one of an introduction's stems
        signed or "appelle" in lowered or "nomme" in lowered or "prénom" in lowered
        or (":" in text and ("nom :" in lowered or "nom:" in lowered))
    )  # fmt: skip
    if introduced:
        chosen.append(_INTRODUCTION)
    if kin:
        chosen.append((kin, _KIN, "famille ou voisin", 8))
    if closing:
        chosen.append((closing, _CLOSING, "formule de politesse", 0))
    for stems, pattern, rule, back in chosen:
        for stem in stems:
            position = lowered.find(stem)
            while position != -1:
                if back:
                    # Only where the rule can start: from a few characters before its word up to
                    # it, and ending within a name's length after it.
                    end = position + len(stem) + _NAME_REACH
                    starts = range(max(0, position - back), position + 1)
                    match = next((m for i in starts if (m := pattern.match(text, i, end))), None)
                else:
                    match = pattern.match(text, position)
                if match is not None:
                    found.append((match, rule))
                position = lowered.find(stem, position + 1)
    return found


def find_names(
    text: str, lowered: str, words: list[str], *, anchored: bool = True, paired: bool = True
) -> list[Span]:
    """``words``: those of ``lowered`` (the text in lower case), split on white space; without
    ``anchored``, the rules starting from a word are not tried, without ``paired`` those
    starting from two capitalised words (``first_look`` found none)."""
    found = _anchored(text, lowered, words) if anchored and len(lowered) == len(text) else []
    spans: list[Span] = []
    first_names = _first_names()
    # Most names are two capitalised words in a row (« Jean Dupont », « M. Dupont »,
    # « DUPONT Jean »): the rules are tried only where such a pair starts.
    for pair in _CAPITALISED_PAIR.finditer(text) if paired else ():
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
        if role == 4:
            spans += _surname_first(text, position, first_names)
            continue
        if role == 2:
            match = _FIRST_LAST.match(text, position)
            if match is not None:
                start, end = position, _name_end(text, position, match.end())
                if _is_person(text, start, end, "prénom"):
                    spans.append(Span(NAME, start, end, text[start:end], "prénom"))
        else:
            match = _LAST_FIRST.match(text, position)
            if match is None:
                continue
            if fold_word(match["first"]).split("-")[0] in first_names:
                spans.append(Span(NAME, position, match.end(), match.group(0), "prénom"))
            elif (
                _line_start(text, position)
                and _line_end(text, match.end())
                and any(v in match["last"] for v in "AEIOUYÉÈ")
            ):
                # « DUVIGNEAU Karim » opening a line: a signature, whatever the first name.
                spans.append(Span(NAME, position, match.end(), match.group(0), "nom en capitales"))
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


_SURNAME_FIRST = re.compile(
    rf"(?P<last>[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?) "
    rf"(?P<first>[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?)(?![\w'’\-]| [{UPPER}])"
)


def _surname_first(text: str, position: int, first_names: frozenset[str]) -> list[Span]:
    """« Duvigneau Joseph », as wills and registers write it: not where a sentence starts (« Depuis
    Pierre… »), unless the pair stands alone on its line (a signature)."""
    match = _SURNAME_FIRST.match(text, position)
    if match is None or fold_word(match["first"]).split("-")[0] not in first_names:
        return []
    before = text[:position].rstrip()
    sentence_start = not before or before[-1] in ".!?:\n"
    if sentence_start and not (_line_start(text, position) and _line_end(text, match.end())):
        return []
    if not _is_person(text, position, match.end(), "nom prénom"):
        return []
    return [Span(NAME, position, match.end(), match.group(0), "nom prénom")]


def _line_end(text: str, position: int) -> bool:
    after = text[position:].lstrip(" \t.,")
    return not after or after.startswith("\n")


def _line_start(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t")
    return not before or before.endswith("\n")


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
    if len(word) > 1 and word.isupper() and fold(word) not in _NOT_NAME_WORDS:
        return 3  # « BERNARD Lou »: a surname in capitals, even one that is also a first name
    if fold(word).split("-")[0] in _first_names():
        return 2
    if len(word) > 2 and word[1:].islower() and fold(word) not in _NOT_NAME_WORDS:
        return 4  # « Duvigneau Joseph »: a surname, then a first name
    return 0


def _name_end(text: str, start: int, end: int) -> int:
    """Cut a name before the first word that cannot be part of it (« Dupont Merci » → « Dupont »)."""
    words = list(re.finditer(r"[^\s]+", text[start:end]))
    kept_end = start
    for index, word in enumerate(words):
        if index and fold(word.group(0).strip(".,;:")) in _NOT_NAME_WORDS:
            break
        kept_end = start + word.end()
    return trim(text, start, kept_end)


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


def hints() -> tuple[str, str]:
    """What a text holds wherever the name rules find something, as pattern sources for the
    first look (without look-arounds: RE2 has none): a lead-in then how a name starts
    (``_anchored``'s rules); a capitalised pair a pair rule (``_role``) can read as a name.
    Each is a necessary condition of its rules, not the rules."""
    cap = f"[{UPPER}]"
    word = f"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"  # « Jean », « Marie-Claire »
    self_lead = SELF_LEAD.replace(r"(?<![\w])", "")
    titles = "(?i:{})\\s+".format("|".join(_TITLE_STEMS))  # titles written in lower case
    leads = (titles, SIGNED_LEAD, KIN_LEAD, CLOSING_LEAD)
    anchors = "|".join([*(f"{lead}{cap}" for lead in leads), f"{self_lead}[{UPPER}{LOWER}]"])
    first = _first_name_source()
    caps = rf"[{UPPER}]{{2,}}(?:(?:\s|-)[{UPPER}]{{2,}})?\s+"  # ``_LAST_FIRST``'s surname
    pairs = "|".join(
        [
            f"{TITLE_LEAD}{cap}",  # a title, then a capital: « M. Roux »
            rf"{caps}(?:{first}(?:[^{LOWER}]|$)|{word}[ \t.,]*(?:\n|$))",  # « ROUX Jean », « ROUX Karim⏎ »
            rf"{first}(?:-{cap}[{LOWER}]+)?\s+(?:{cap}|d['’]|de\s|le\s|du\s)",  # « Jean Roux », « Jean de… »
            f"{word} {first}(?:[^{LOWER}]|$)",  # « Duvigneau Joseph »
        ]
    )
    return anchors, pairs


def _first_name_source() -> str:
    """The first names of the list as the pair rules read them (a capital, then lower-case
    letters), with or without their accents: « Hélène », « Helene », « HÉlène » never."""
    written: dict[tuple[bool, str], str] = defaultdict(str)  # (capital, folded) -> letters
    for letter in string.ascii_letters + UPPER.removeprefix("A-Z") + LOWER.removeprefix("a-z"):
        written[letter.isupper(), fold(letter)] += letter

    def one(choices: str) -> str:
        return choices if len(choices) == 1 else f"[{choices}]"

    names = sorted(set(lexicon.FIRST_NAMES), key=lambda n: (-len(n), n))
    spelt = (one(written[True, n[0]]) + "".join(one(written[False, c]) for c in n[1:]) for n in names)
    return "(?:" + "|".join(spelt) + ")"
