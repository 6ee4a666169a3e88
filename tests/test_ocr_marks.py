"""What on a handwritten page is not the writer's text (``ocr.marks``), and where it goes."""

from __future__ import annotations

from dataclasses import replace

from mairie_cli.ocr import marks
from mairie_cli.ocr.engines import Word
from mairie_cli.ocr.worker import _text_and_marks
from mairie_cli.privacy.detect import Detector
from mairie_cli.privacy.pages import words_to_mask


def line(number: int, text: str, *, height: int = 100, conf: float = 80.0, left: int = 400) -> list[Word]:
    return [
        Word(piece, conf, left + 200 * i, 150 * number, 180, height, (1, 1, number), True)
        for i, piece in enumerate(text.split())
    ]


def texts(lines: list[list[Word]]) -> list[str]:
    return [" ".join(word.text for word in words) for words in lines]


WRITING = [
    "Ceci est mon testament",
    "Je soussigné Joseph Duvigneau",
    "demeurant à Versailles rue de Viroflay",
]


def test_the_writers_lines_are_kept_and_the_marks_around_them_left_out():
    page = [
        line(1, "12"),  # the page number, first line: the page's structure needs it
        line(2, WRITING[0]),
        line(3, "(3336"),  # an archive number in the margin
        line(4, WRITING[1]),
        line(5, "Archives nationales du Québec", height=40),  # a stamp in small print
        line(6, "Genall ly", conf=21.0),  # a flourish the engine could not read
        line(7, "une", left=1400),  # a stray word away from where the lines start
        line(8, WRITING[2]),
        line(9, "20.74 23 1"),
    ]
    text, left_out = marks.split(page)
    assert texts(text) == ["12", *WRITING]
    assert texts(left_out) == ["(3336", "Archives nationales du Québec", "Genall ly", "une", "20.74 23 1"]


def test_a_number_alone_is_a_page_number_only_at_the_top_or_the_bottom():
    assert texts(marks.split([line(1, WRITING[0]), line(2, "- 24 -")])[0]) == [WRITING[0], "- 24 -"]
    assert texts(marks.split([line(1, WRITING[0]), line(2, "24"), line(3, WRITING[1])])[0]) == WRITING[:2]
    assert texts(marks.split([line(1, WRITING[0]), line(2, "1914-1918")])[0]) == [WRITING[0]]


def test_lines_of_ordinary_handwriting_are_never_marks():
    page = [line(n, text, height=90 + 10 * n, conf=35.0 + 10 * n) for n, text in enumerate(WRITING, 1)]
    page.append(line(4, "Oui, merci."))  # short, but five letters: kept
    page.append(line(5, "vie."))  # a paragraph's last word, where the lines start: kept
    assert texts(marks.split(page)[0]) == [*WRITING, "Oui, merci.", "vie."]
    page.append(line(6, "vie.", left=900))  # the same, away from where the lines start
    assert texts(marks.split(page)[1]) == ["vie."]
    assert marks.split([]) == ([], [])


def test_a_page_keeps_its_marks_words_for_the_black_out_but_not_in_its_lines():
    words = [
        *line(2, "Je soussigné Joseph Duvigneau"),
        *line(1, "Ceci est mon testament"),  # read after the next line: put back in order
        *line(3, "06 12 34 56 78"),  # a telephone alone on a line: a mark, still blacked out
    ]
    kept = _text_and_marks(words)
    assert [text for text, _ in kept["lines"]] == ["Ceci est mon testament", "Je soussigné Joseph Duvigneau"]
    assert [w[0] for w in kept["words"][:8]] == "Ceci est mon testament Je soussigné Joseph Duvigneau".split()
    assert all(marks.is_mark(w) for w in kept["words"][8:]) and len(kept["words"]) == 13
    assert not any(marks.is_mark(w) for w in kept["words"][:8])
    blacked = {kept["words"][i][0] for i in words_to_mask(kept["words"], [], Detector())}
    assert {"06", "12", "34", "56", "78"} <= blacked


def test_a_line_the_engine_found_in_two_pieces_is_one_line_of_the_draft():
    # « une bonne » found apart, a little lower than the rest of its line: sorted by height
    # alone, it would come after the whole line.
    first = [replace(w, top=w.top + 40, line=(1, 1, 3)) for w in line(2, "une bonne")]
    rest = [replace(w, left=w.left + 420) for w in line(2, "lettre de Mde Ceniou.")]
    words = [
        *line(1, "heureuse. Je recevais ce matin"),
        *rest,
        *first,
        *line(4, "qui est toujours si attentive"),
    ]
    kept = _text_and_marks(words)
    assert [text for text, _ in kept["lines"]] == [
        "heureuse. Je recevais ce matin",
        "une bonne lettre de Mde Ceniou.",
        "qui est toujours si attentive",
    ]
    # Its words are one line for relire, which finds a draft's words by counting lines.
    assert len({tuple(w[6]) for w in kept["words"][5:11]}) == 1
    # Pieces far apart at one height (the cells of a table's row) are read left to right.
    table = [
        *line(1, "Janvier"),
        *[replace(w, left=w.left + 900, line=(1, 1, 2)) for w in line(1, "Buisset")],
    ]
    assert [text for text, _ in _text_and_marks(table)["lines"]] == ["Janvier Buisset"]


def test_a_typed_page_keeps_its_words_in_the_order_of_its_lines():
    from mairie_cli.ocr.worker import _in_reading_order, _line_groups

    # Tesseract filed the signature (after a gap, at the bottom) with the block above the text.
    signature = [
        Word("Jeanne", 90.0, 400, 900, 150, 40, (1, 1, 1)),
        Word("Martin", 90.0, 560, 900, 150, 40, (1, 1, 1)),
    ]
    text = [Word("Rouvrir", 90.0, 400, 300, 150, 40, (2, 1, 1)), Word("la", 90.0, 560, 300, 50, 40, (2, 1, 1)),
            Word("poste", 90.0, 620, 300, 120, 40, (2, 1, 1))]  # fmt: skip
    read = _in_reading_order(_line_groups(signature + text))
    assert [line for line, _ in read["lines"]] == ["Rouvrir la poste", "Jeanne Martin"]
    assert [word[0] for word in read["words"]] == ["Rouvrir", "la", "poste", "Jeanne", "Martin"]
