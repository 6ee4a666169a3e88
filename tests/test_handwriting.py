"""The handwriting engine: offline, behind the engine protocol, chosen per page, and its word boxes
feeding the black-out of names on the scans that travel."""

import difflib
import io
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mairie_cli.ocr import engines, french_words, handwriting, triage
from mairie_cli.ocr.french_words import FrenchWords, decode, pen_strokes_dropped
from mairie_cli.ocr.worker import read_page
from mairie_cli.privacy.detect import Detector
from mairie_cli.privacy.pages import words_to_mask
from testkit.synthetic import font, handwritten_page

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract absent")
#: French school cursive (Debian fonts-ecolier-court; ``./dev test`` installs it).
SCHOOL_CURSIVE = Path("/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf")
pytestmark = pytest.mark.slow


def clean_page(lines: list[str]) -> Image.Image:
    page = Image.new("L", (1240, 700), 255)
    draw = ImageDraw.Draw(page)
    for number, line in enumerate(lines):
        draw.text((90, 80 + 90 * number), line, fill=0, font=font(44))
    return page


def test_the_engine_reads_offline_with_its_own_models(monkeypatch):
    """No socket may be opened: the models are files of the installed wheel."""

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine: engines.Engine = handwriting.HandwritingEngine()
    words = engine.read(clean_page(["Rouvrir la poste du village", "Signé : Jeanne Martin"]), timeout=60)
    text = " ".join(w.text for w in words)
    assert "poste" in text and "Martin" in text
    assert all(0 <= w.conf <= 100 and w.width > 0 and w.height > 0 for w in words)
    assert len({w.line for w in words}) == 2  # words keep their line
    assert engine.name == "rapidocr" and "PP-OCRv6" in engine.model and handwriting.version()
    # Its lines are decoded with French words in mind: wordfreq's list, from its wheel too.
    decoding = handwriting._recogniser(1)._load_rec_model().postprocess_op
    assert isinstance(decoding, handwriting._FrenchReading)
    french_words.load.cache_clear()  # read again here, sockets refused
    assert french_words.load().word("poste") > french_words.load().word("pqste")


CHARACTERS = ["blank", *"abcdefghijklmnopqrstuvwxyzCZ0123456789", " ", "'", "´", ",", ".", *"DMV"]


def line(*frames: dict[str, float]) -> np.ndarray:
    """A line's CTC probabilities: each frame's characters, the rest of it blank, and a blank
    frame after each (as a recogniser gives them)."""
    rows = []
    for frame in frames:
        row = np.zeros(len(CHARACTERS), dtype=np.float32)
        for char, p in frame.items():
            row[CHARACTERS.index(char)] = p
        row[0] = 1 - row.sum()
        blank = np.zeros(len(CHARACTERS), dtype=np.float32)
        blank[0] = 1
        rows += [row, blank]
    return np.stack(rows)


def spelt(text: str, p: float = 0.95) -> list[dict[str, float]]:
    return [{char: p} for char in text]


def test_french_words_part_glued_words_and_mend_a_letter():
    words = FrenchWords({"ceci": 1e-4, "est": 1e-2, "mon": 1e-3, "testament": 1e-5, "testa": 1e-8})
    probs = line(
        *spelt("Ceci"), {" ": 0.3}, *spelt("est"), {" ": 0.9}, *spelt("mon"), {" ": 0.9},
        *spelt("testame"), {"u": 0.6, "n": 0.4}, *spelt("t"),
    )  # fmt: skip
    # Character by character, the likeliest reading is « Ceciest mon testameut ».
    text, frames, confidences = decode(probs, CHARACTERS, words)
    assert text == "Ceci est mon testament"
    # Each character keeps its frame (the word boxes are made from them) and its probability:
    # the letter the words chose over the recogniser's first guess shows as uncertain.
    assert len(frames) == len(text) and frames == sorted(set(frames))
    assert confidences[text.index("testament") + 7] == pytest.approx(0.4)


def test_a_name_or_a_number_the_list_does_not_know_is_kept_as_read():
    words = FrenchWords({"signé": 1e-5, "le": 1e-2, "zoo": 1e-6})
    probs = line(*spelt("Zbrowk"), {" ": 0.9}, *spelt("le"), {" ": 0.9}, *spelt("1914"))
    assert decode(probs, CHARACTERS, words)[0] == "Zbrowk le 1914"
    assert decode(line({}, {}), CHARACTERS, words) == ("", [], [])  # nothing but blanks


def test_a_word_french_writes_in_lower_case_is_not_read_capitalised_inside_a_sentence():
    words = FrenchWords({"de": 1e-2, "vin": 1e-4, "marchand": 1e-5, "mon": 1e-3, "testament": 1e-5})

    def read(*frames: dict[str, float]) -> str:
        return decode(line(*frames), CHARACTERS, words)[0]

    unsure = ({"D": 0.6, "d": 0.35}, *spelt("e"))  # the recogniser's first guess is a capital
    space = {" ": 0.9}
    assert read(*spelt("marchand"), space, *unsure, space, *spelt("vin")) == "marchand de vin"
    # Where a sentence may start (the line's start, after a full stop) the capital stays; so it
    # does on a word French may capitalise (a noun: some writers do), or when the recogniser is
    # sure of it (some writers capitalise « Mon »).
    assert read(*unsure, space, *spelt("vin")) == "De vin"
    assert read(*spelt("vin."), space, *unsure) == "vin. De"
    assert read(*spelt("de"), space, {"V": 0.6, "v": 0.35}, *spelt("in")) == "de Vin"
    sure = ({"M": 0.99, "m": 0.01}, *spelt("on"))
    assert read(*spelt("de"), space, *sure, space, *spelt("testament")) == "de Mon testament"


def test_an_accent_or_a_comma_read_apart_is_joined_to_its_word():
    words = FrenchWords({"légataire": 1e-6, "père": 1e-4, "l": 1e-2, "école": 1e-4, "aujourd": 1e-4})
    read = "le'gataire , pe´re l'e'cole . aujourd'hui ..."
    text, frames, confidences = decode(line(*spelt(read, 1.0)), CHARACTERS, words)
    # « é », or « è » where only that makes a known word; an elision's apostrophe stays; no
    # space before a comma or a full stop (an ellipsis is left as read).
    assert text == "légataire, père l'école. aujourd'hui ..."
    assert len(frames) == len(confidences) == len(text) and frames == sorted(set(frames))


def test_a_pen_stroke_ending_a_line_is_no_word_cut():
    from mairie_cli.ocr.engines import Word
    from mairie_cli.ocr.fields import reflow

    words = FrenchWords(
        {w: 1e-5 for w in "disposer en toute tendre entendre vingt cinq vingt-cinq do le".split()}
    )
    pages = [
        [["disposer", "en-"], ["toute", "le"]],  # a stroke: « entoute » is no word
        [["en-"], ["tendre"]],  # a word cut
        [["vingt-"], ["cinq"]],  # a compound cut
        [["-do-"], ["le"]],  # a ditto mark
        [["en-"], ["Toute"]],  # a capital: left to the draft's rules
    ]
    read = []
    for page in pages:
        lines = [[Word(text, 90, 0, 0, 9, 9, (1, 1, n)) for text in line] for n, line in enumerate(page)]
        read.append([" ".join(w.text for w in line) for line in pen_strokes_dropped(lines, words)])
    assert [" / ".join(lines) for lines in read] == [
        "disposer en / toute le", "en- / tendre", "vingt- / cinq", "-do- / le", "en- / Toute"
    ]  # fmt: skip
    # So the draft keeps two words where the stroke stood, and joins a cut word.
    assert [reflow(lines) for lines in read[:3]] == ["disposer en toute le", "entendre", "vingt-cinq"]


def test_help_and_typed_pages_do_not_load_onnxruntime():
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mairie_cli", "--help"], capture_output=True, text=True
    )
    assert "onnxruntime" not in shown.stderr and "rapidocr" not in shown.stderr


@needs_tesseract
def test_each_page_is_read_by_the_engine_its_triage_calls_for(tmp_path):
    hand = tmp_path / "main.png"
    handwritten_page(["Le 12/12/2018", "Garder l'école du village."], dpi=150).save(hand)
    typed = tmp_path / "tape.png"
    clean_page(["Le 12/12/2018", "Nous demandons le maintien du bureau de poste."]).save(typed)
    results = {}
    for path in (hand, typed):
        task = {
            "page_id": 1,
            "path": str(path),
            "kind": "image",
            "index": 0,
            "language": "fra",
            "timeout": 60,
        }
        results[path.name] = read_page(task)
    assert results["main.png"]["status"] == triage.HANDWRITTEN
    assert results["main.png"]["engine"].startswith("rapidocr") and results["main.png"]["words"]
    assert "tesseract" in results["main.png"]["params"]  # tesseract's own figures kept beside
    assert results["tape.png"]["status"] == triage.TYPED
    assert results["tape.png"]["engine"].startswith("tesseract")
    forced = read_page({**task, "path": str(typed), "engine_choice": "handwriting"})
    assert forced["engine"].startswith("rapidocr")


def test_a_misread_name_is_still_blacked_out_on_a_handwritten_page():
    words = [[w, 80, 10 * i, 0, 9, 9, [1, 1, 1]] for i, w in enumerate(
        ["Je", "soussigne", "Joseph", "Duvig", "neau", "demeurant", "chez", "Mme", "Roger", "Louisse"]
    )]  # fmt: skip
    texts = ["Je soussigné Joseph Duvigneau, demeurant chez Mme Louise Roger."]
    detector = Detector()
    strict = {words[i][0] for i in words_to_mask(words, texts, detector)}
    loose = {words[i][0] for i in words_to_mask(words, texts, detector, loose=True)}
    assert {"Duvig", "neau", "Louisse"} <= loose  # cut in two, or one letter wrong
    assert not {"Duvig", "neau"} <= strict
    assert {"Je", "soussigne", "demeurant", "chez"}.isdisjoint(loose)


def test_a_handwritten_word_that_is_no_french_word_is_highlighted_whatever_its_confidence():
    from mairie_cli.services.commune.proofread import doubtful

    french = french_words.load().made_of
    assert [french(w) for w in ("Ceci", "testameut.", "l'école", "1914", "Duvigneau")] == [
        True, False, True, True, True,
    ]  # fmt: skip
    line = (1, 1, 1)
    read = [
        engines.Word("Ceci", 96.0, 0, 0, 9, 9, line, True), engines.Word("mon", 40.0, 0, 0, 9, 9, line, True),
        engines.Word("testameut.", 95.0, 0, 0, 9, 9, line, False),
    ]  # fmt: skip
    assert [doubtful(w.to_list()) for w in read] == [("Ceci", False), ("mon", True), ("testameut.", True)]
    # Tesseract's words (and those kept before): only the confidence counts.
    typed = engines.Word("testameut.", 95.0, 0, 0, 9, 9, line)
    assert len(typed.to_list()) == 7 and doubtful(typed.to_list()) == ("testameut.", False)


FOUR_LINES = ["Rouvrir la poste du village", "Garder le bus du samedi", "Un médecin pour le canton",
              "Signé : Jeanne Martin"]  # fmt: skip


def by_line(words: list[engines.Word]) -> list[str]:
    lines: dict[tuple[int, int, int], list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return [" ".join(line) for line in lines.values()]


def test_a_page_is_turned_whole_or_not_at_all(monkeypatch):
    """RapidOCR's line classifier, trained on print, calls some upright handwritten lines upside
    down (those with long loops): it is made to doubt like that here, on every other line. The
    page is still read upright: the recogniser, reading the widest lines both ways, decides."""
    from rapidocr.ch_ppocr_cls.main import TextClassifier

    engine = handwriting.HandwritingEngine()
    real = TextClassifier.__call__

    def doubting(self, images):  # what the model does on such lines: labels them, and turns them
        result = real(self, images)
        for index in range(1, len(images), 2):
            result.cls_res[index] = ("180", 0.99)
            if self.cls_thresh < 0.99:
                result.img_list[index] = result.img_list[index][::-1, ::-1]
        return result

    monkeypatch.setattr(TextClassifier, "__call__", doubting)
    words = engine.read(clean_page(FOUR_LINES), timeout=60)
    assert by_line(words) == FOUR_LINES
    assert engine.turned_by == 0


@pytest.mark.parametrize(("scanned", "turned_by"), [(180, 180), (90, 90), (270, 270)])
def test_a_page_scanned_upside_down_or_sideways_is_read_turned_whole(scanned, turned_by):
    """``scanned``: how far the page was turned anticlockwise on the scanner."""
    engine = handwriting.HandwritingEngine()
    page = clean_page(FOUR_LINES)
    upright = engine.read(page, timeout=60)
    assert engine.turned_by == 0
    turned = engine.read(page.rotate(scanned, expand=True), timeout=60)
    assert engine.turned_by == turned_by and by_line(turned) == FOUR_LINES
    for a, b in zip(upright, turned, strict=True):  # boxes on the page turned back upright
        assert a.text == b.text and abs(a.left - b.left) <= 6 and abs(a.top - b.top) <= 6


@needs_tesseract
@pytest.mark.parametrize("scanned", [180, 90])
def test_a_handwritten_page_scanned_upside_down_or_sideways_is_kept_turned_for_its_black_out(
    tmp_path, scanned
):
    """``scanned``: how far the page was turned anticlockwise; it is turned back as far."""
    from mairie_cli.ocr.masking import masked_png

    path = tmp_path / "tournee.png"
    page = handwritten_page(["Le 12/12/2018", "Garder l'école du village.", "Jeanne Martin"], dpi=150)
    page.rotate(scanned, expand=True).save(path)
    read = read_page(
        {"page_id": 1, "path": str(path), "kind": "image", "index": 0, "language": "fra", "timeout": 60}
    )
    assert read["engine"].startswith("rapidocr") and read["params"]["rotation"] == scanned
    assert "Garder" in " ".join(line[0] for line in read["lines"][:2])  # read in its own order
    # The black-out turns the scan as the reading did: a word's box lands on its ink there.
    word = next(w for w in read["words"] if w[0] == "Garder")
    left, top, width, height = word[2:6]
    with Image.open(io.BytesIO(masked_png(path, "image", 0, read["params"], []))) as shown:
        page = np.asarray(shown.convert("L"))
    assert page[top : top + height, left : left + width].mean() < 235 < page[-300:, :].mean()


def leaning(page: Image.Image, degrees: float) -> Image.Image:
    """The page with its letters leaning right by ``degrees``, as many hands write."""
    shear = float(np.tan(np.radians(degrees)))
    data = (1, shear, -shear * page.height / 2, 0, 1, 0)
    return page.transform(page.size, Image.Transform.AFFINE, data, Image.Resampling.BILINEAR, fillcolor=255)


def test_a_leaning_line_is_straightened_and_an_upright_one_left_as_it_is():
    from mairie_cli.ocr.imageops import deslant

    bars = Image.new("L", (400, 60), 255)
    for x in range(40, 360, 30):
        ImageDraw.Draw(bars).line([(x, 5), (x, 55)], fill=0, width=3)
    upright = np.asarray(bars.convert("RGB"))
    assert deslant(upright)[0] is upright
    straightened, moved = deslant(np.asarray(leaning(bars, 25).convert("RGB")))
    assert moved == 14 and straightened.shape == (60, 428, 3)  # 30 rows × tan 25° each side
    columns = (straightened.mean(axis=(0, 2)) < 128).sum()
    assert columns <= 11 * 5  # eleven bars upright again, each a few pixels wide (leaning: 28)


def test_a_leaning_page_is_read_straightened_with_its_word_boxes_on_the_ink():
    """Each line is sheared upright before it is read; the words' boxes are then those of the
    line as it leans on the page: blanking them leaves almost no ink. Here every other line
    leans (the recogniser reads the lines in another order than the page's)."""
    engine = handwriting.HandwritingEngine()

    def ink_left_out(page: Image.Image) -> float:
        words = engine.read(page, timeout=60)
        assert by_line(words) == FOUR_LINES
        ink = np.asarray(page) < 128
        blanked = ink.copy()
        for word in words:
            blanked[word.top : word.top + word.height, word.left : word.left + word.width] = False
        return float(blanked.sum() / ink.sum())

    upright = clean_page(FOUR_LINES)
    page = upright.copy()
    for number in (0, 2):
        band = (0, 55 + 90 * number, page.width, 145 + 90 * number)
        page.paste(leaning(page.crop(band), 25), band[:2])
    # As much ink outside the boxes as on the page written upright (3.7 %, which the black-out's
    # padding covers); boxes left where they fall on the straightened line: 9.3 % here, and
    # reading the page without straightening its lines: 7.2 %.
    assert ink_left_out(page) <= ink_left_out(upright) + 0.005


@pytest.mark.skipif(not SCHOOL_CURSIVE.is_file(), reason="police Ecolier absente (fonts-ecolier-court)")
def test_a_page_of_narrow_letters_is_read_widened_with_its_word_boxes_on_the_ink(monkeypatch):
    """French school cursive: tall loops over narrow hairline letters. In the recogniser's
    48-pixel lines its letters are a few pixels wide, fewer than the recogniser needs to tell
    them apart; the page is read with its lines widened, and its word boxes stay on the ink."""
    lines = ["Nous demandons que la poste du village reste", "ouverte le samedi matin et qu’un médecin",
             "vienne une fois par semaine dans le canton."]  # fmt: skip
    page = Image.new("L", (1144, 374), 255)
    cursive = ImageFont.truetype(SCHOOL_CURSIVE, 44)
    for number, text in enumerate(lines):
        ImageDraw.Draw(page).text((44, 44 + 75 * number), text, fill=30, font=cursive)
    engine = handwriting.HandwritingEngine()

    def read() -> tuple[float, float]:
        words = engine.read(page, timeout=60)
        same = difflib.SequenceMatcher(None, "\n".join(by_line(words)), "\n".join(lines)).ratio()
        ink = np.asarray(page) < 128
        blanked = ink.copy()
        for word in words:
            blanked[word.top : word.top + word.height, word.left : word.left + word.width] = False
        return same, float(blanked.sum() / ink.sum())

    widened, ink_left = read()
    monkeypatch.setattr(handwriting, "WIDENING_GAIN", 2.0)  # never widened
    as_they_are, _ = read()
    assert widened >= 0.98 > as_they_are + 0.05  # measured: 1.0 and 0.90
    assert ink_left <= 0.13  # the loops reach beyond the words' boxes (the black-out pads them)
