"""The number patterns written for speed find exactly what their plain forms find."""

import random
import re

from mairie_cli.privacy import detect, numbers

# The plain forms: each assertion first, as one reads them.
PLAIN_FR_NATIONAL = re.compile(r"(?<![\d\w+])(?<!\d[ .\-])0[1-9](?:[ .\-]?\d){8}(?![ .\-]?\d)")
PLAIN_FR_SHORT = re.compile(r"(?<![\d\w+])(?:0|\+33\s?(?:\(0\)\s?)?)[1-9](?:[ .\-]\d{1,2}){3,4}(?![ .\-]?\d)")
PLAIN_NUMBER_BEFORE_WAY = re.compile(
    rf"[0-9][0-9]{{0,3}}(?=\s?(?i:bis|ter|quater|[A-D](?![\w']))?\s?,?\s+(?:{detect._WAY}|{detect._WHOLE_WAY}))"
)
PIECES = [
    "0", "06", "1", "12", "34", "5", "56", "78", "9", "2A", "33", "+33", "+33 (0)", "(0)", "0033",
    "O", "o", "l", "I", " ", " ", ".", "-", ",", "/", "\n", "tél", "rue", "bis", "B", "avenue",
    "Grande Rue", "chemin", "le", "75002", "69 001", "Paris", "né", "a", "é", "@", "£", "٣",
    "6 12 34 56", " 12 34 56 7", "12.34.56.78", "6-12-34-56", "7",
]  # fmt: skip


DIGITS = [*"0123456789"]  # the end of a larger number (``_addresses`` skips it)


def texts(count: int, seed: int = 19) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(4, 40))) for _ in range(count)]


def test_the_rewritten_number_patterns_match_their_plain_forms():
    for text in texts(6000):
        for fast, plain in ((numbers._FR_NATIONAL, PLAIN_FR_NATIONAL), (numbers._FR_SHORT, PLAIN_FR_SHORT)):
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)], text
        # OCR's letters are read as digits only where a digit stands beside one of them.
        if numbers._LETTER_BY_DIGIT.search(text) is None:
            assert (
                numbers._DIGITISH_RUN.sub(lambda m: m.group(0).translate(numbers._OCR_DIGITS), text) == text
            )
        # Five digits close together come first, wherever eight are, or a postcode.
        five = detect._FIVE_DIGITS.search(text)
        assert bool(five and detect._MANY_DIGITS.search(text, five.start())) == bool(
            detect._MANY_DIGITS.search(text)
        )
        codes = [m.span() for m in detect._POSTCODE.finditer(text, five.start())] if five else []
        assert codes == [m.span() for m in detect._POSTCODE.finditer(text)], text
        # A house number is tried once per run of digits: the same numbers start an address.
        starts = [m.span() for m in detect._NUMBER_BEFORE_WAY.finditer(text)]
        plain = [
            m.span()
            for m in PLAIN_NUMBER_BEFORE_WAY.finditer(text)
            if text[m.start() - 1 : m.start()] not in DIGITS
        ]
        assert starts == plain, text


def test_phones_are_found_as_before_where_the_library_is_not_asked():
    # Nine digits from « 0X »: the library is not asked (it finds only valid numbers, ten digits);
    # the French forms are still tried.
    assert [s.rule for s in numbers.phones("appelez le 06 12 34 56 7 ce soir")] == [
        "chiffre manquant : masqué par prudence"
    ]
    assert [s.text for s in numbers.phones("au O6 l2 34 56 78 ou au +33 (0)6 12 34 56 78")] == [
        "O6 l2 34 56 78", "+33 (0)6 12 34 56 78"
    ]  # fmt: skip
