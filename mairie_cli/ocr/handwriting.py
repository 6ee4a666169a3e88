"""Reading handwriting: RapidOCR (Apache-2.0) on onnxruntime, with the PP-OCRv6 detection and
recognition models that ship inside its wheel. Nothing is fetched: the models are files of the
installed package, and an image is always handed over in memory (never a path or an address).

Imported only when a handwritten page is read, so that ``mairie --help`` and typed pages never
load onnxruntime. One recogniser per process, built on first use.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import metadata
from typing import Any

from mairie_cli.errors import OcrUnavailable
from mairie_cli.ocr.engines import Word

NAME = "rapidocr"
MODEL = "PP-OCRv6 det+rec small, lignes redressées, mots français (wordfreq)"
#: Lines with fewer letters or digits than this are marks or stray strokes, unless they are a
#: short number (a page number the segmentation uses).
MIN_CHARACTERS = 3
_NUMBER = re.compile(r"^\d{1,3}$")
#: Lines read both ways when RapidOCR's line classifier calls some upside down.
ORIENTATION_SAMPLE = 6
#: How much wider the lines of a page of narrow letters are drawn for the recogniser
#: (``widening``); the gain in its mean confidence on the page's widest lines (so many) that
#: decides it.
WIDENING = 1.6
WIDENING_GAIN = 0.1
WIDENING_SAMPLE = 3
#: Text boxes a page needs before their shape can say it was scanned sideways.
SIDEWAYS_MIN_BOXES = 3
_engine: Any = None


@cache
def available() -> bool:
    """True when the recogniser is installed (it comes with mairie's own dependencies)."""
    try:
        metadata.version("rapidocr")
        metadata.version("onnxruntime")
        metadata.version("wordfreq")  # the French words its lines are decoded with
    except metadata.PackageNotFoundError:
        return False
    return True


def version() -> str:
    return metadata.version("rapidocr") if available() else ""


class HandwritingEngine:
    """The recogniser for handwritten pages (``Engine`` protocol)."""

    name = NAME
    model = MODEL

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, threads)
        self.turned_by = 0  # how far the last page was turned to be read (degrees, clockwise)

    def read(self, image: Any, timeout: float) -> list[Word]:
        """The words of a greyscale page, line by line, with boxes and confidences (0–100).
        A page scanned sideways or upside down is read turned (``_PageOrientation``):
        ``turned_by`` then says how far (90, 180, 270), and the boxes are those of the page
        so turned."""
        import numpy as np

        engine = _recogniser(self.threads)
        orientation: _PageOrientation = engine.text_cls.orientation
        array = np.asarray(image.convert("RGB"))
        self.turned_by = 0
        try:
            return _read(engine, array)
        except _UpsideDown:
            return self._turned(engine, array, 180)
        except _Sideways:
            pass
        # A quarter turn clockwise; the page may then be upside down (the other quarter).
        quarter = np.ascontiguousarray(np.rot90(array, k=-1))
        self.turned_by = 90
        orientation.sideways_settled = True
        try:
            return _read(engine, quarter)
        except _UpsideDown:
            return self._turned(engine, quarter, 270)
        finally:
            orientation.sideways_settled = False

    def _turned(self, engine: Any, array: Any, turned_by: int) -> list[Word]:
        """The page read turned by 180° more, whole (RapidOCR would not turn the boxes of the
        lines it turns itself)."""
        import numpy as np

        self.turned_by = turned_by
        orientation: _PageOrientation = engine.text_cls.orientation
        orientation.upright = True
        try:
            return _read(engine, np.ascontiguousarray(array[::-1, ::-1]))
        finally:
            orientation.upright = False


def _recogniser(threads: int) -> Any:
    global _engine
    if _engine is None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(
                "La lecture de l'écriture manuscrite n'est pas installée (paquet rapidocr) : "
                "relancez l'installation de mairie."
            ) from exc
        _engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        # Lines decoded with French words in mind (``french_words``), not character by character.
        recogniser = _engine._load_rec_model()
        recogniser.postprocess_op = _FrenchReading(recogniser.postprocess_op)
        # Which way up: decided for the whole page, not line by line (``_PageOrientation``);
        # then each line's slant straightened (``_UprightLines``).
        orientation = _PageOrientation(_engine._load_cls_model(), recogniser, _engine.detect_and_crop)
        _engine.text_cls = _UprightLines(orientation, recogniser.postprocess_op)
        _engine.detect_and_crop = orientation.detect_and_crop
    return _engine


class _UpsideDown(Exception):
    """The page is upside down (``_PageOrientation``): to be read again, turned."""


class _Sideways(Exception):
    """The page's lines run down it (``_PageOrientation``): to be read again, a quarter turned."""


class _PageOrientation:
    """RapidOCR's line classifier, made to decide for the whole page: a page is written one way.

    Alone, its model (trained on print) turns upside down some upright handwritten lines, with
    long loops above and below (2 lines of 4 on a page in a handwriting font, then read as
    « ne se et s est de et »), and only some of the lines of a page scanned upside down. So:
    when it calls no line upside down, the page is upright; else the page's widest lines are
    read both ways by the recogniser, and the page is upside down when they read better turned.
    ``upright`` skips the question (the page is being read turned already).

    Before that, a page whose text boxes are mostly taller than wide was scanned a quarter turn
    off (on the real pages: at most 6 boxes in 48 upright, at least 21 in 35 sideways, where
    the detector finds any): it is read again turned (``sideways_settled`` skips that check)."""

    def __init__(self, classifier: Any, recogniser: Any, detect_and_crop: Any) -> None:
        self.classifier = classifier
        self.recogniser = recogniser
        self.detect = detect_and_crop
        self.upright = False
        self.sideways_settled = False

    def detect_and_crop(self, image: Any, record: Any) -> Any:
        """RapidOCR's detection, then the check that the lines do not run down the page."""
        import numpy as np

        crops, found = self.detect(image, record)
        boxes = found.boxes if found.boxes is not None else []
        if not (self.upright or self.sideways_settled) and len(boxes) >= SIDEWAYS_MIN_BOXES:
            tall = sum(np.linalg.norm(b[1] - b[2]) >= 1.5 * np.linalg.norm(b[0] - b[1]) for b in boxes)
            if tall > len(boxes) / 2:
                raise _Sideways
        return crops, found

    def __call__(self, images: list[Any]) -> Any:
        from rapidocr.ch_ppocr_cls.utils import TextClsOutput

        if not self.upright and self._doubted(images) and self._reads_better_turned(images):
            raise _UpsideDown  # before any line is read: the page is read again, turned
        return TextClsOutput(img_list=list(images), cls_res=[("0", 1.0)] * len(images), elapse=0.0)

    def _doubted(self, images: list[Any]) -> bool:
        """Whether the classifier calls any line upside down."""
        threshold = self.classifier.cls_thresh
        self.classifier.cls_thresh = 2.0  # its labels only: no line turned
        try:
            labels = self.classifier(images).cls_res
        finally:
            self.classifier.cls_thresh = threshold
        return any("180" in label and score > threshold for label, score in labels)

    def _reads_better_turned(self, images: list[Any]) -> bool:
        """Whether the page's widest lines read better turned than as they are (the lines the
        classifier doubts may be marks that read as well either way)."""
        widest = _widest(images)
        turned = [image[::-1, ::-1] for image in widest]
        return _confidence(self.recogniser, turned) > _confidence(self.recogniser, widest)


def widening(recogniser: Any, lines: list[Any]) -> float:
    """How much wider a page's lines are to be drawn for the recogniser: ``WIDENING`` when it
    reads the page's widest lines that much wider with more confidence than as they are, by
    ``WIDENING_GAIN``; else 1. The recogniser reads a line shrunk to 48 pixels high, in
    slices 8 pixels wide after that; a hand with tall loops over narrow letters (French school
    cursive) then leaves fewer slices than letters, and whole words are lost. Measured in
    ``bench/eval_handwriting.py``: pages in that cursive read 0.5–5 % of characters wrong
    widened, 47–53 % as they are; no testament or letter of the real pages gains enough to be
    widened, and two register pages of eight are (77 → 51 % and 72.8 → 72.6 %)."""
    from mairie_cli.ocr.imageops import widen

    widest = _widest(lines, WIDENING_SAMPLE)
    if not widest:
        return 1.0
    as_they_are = _confidence(recogniser, widest)
    if as_they_are > 1.0 - WIDENING_GAIN:
        return 1.0  # no widening could gain enough
    widened = _confidence(recogniser, [widen(line, WIDENING) for line in widest])
    return WIDENING if widened >= as_they_are + WIDENING_GAIN else 1.0


def _confidence(recogniser: Any, images: list[Any]) -> float:
    """The recogniser's mean confidence in its reading of these lines."""
    from rapidocr.ch_ppocr_rec.typings import TextRecInput

    decoding = recogniser.postprocess_op
    # Each character's likeliest reading is enough here (and much faster than French words).
    recogniser.postprocess_op = getattr(decoding, "original", decoding)
    try:
        scores = recogniser(TextRecInput(img=images)).scores
    finally:
        recogniser.postprocess_op = decoding
    return float(sum(scores)) / max(1, len(images))


def _widest(lines: list[Any], count: int = ORIENTATION_SAMPLE) -> list[Any]:
    return sorted(lines, key=lambda line: -line.shape[1])[:count]


class _UprightLines:
    """What RapidOCR does between finding the lines and reading them (its line classifier's
    place): the page's orientation checked (``_PageOrientation``), then each line's slant
    sheared upright (``imageops.deslant``) and, on a page of narrow letters, widened
    (``widening``). The reading is told how far each line moved, so that its
    word boxes stay on the ink of the line as cropped."""

    def __init__(self, orientation: _PageOrientation, reading: _FrenchReading) -> None:
        self.orientation = orientation
        self.reading = reading

    def __call__(self, images: list[Any]) -> Any:
        from mairie_cli.ocr.imageops import deslant, widen

        checked = self.orientation(images)
        straightened = [deslant(image) for image in checked.img_list]
        factor = widening(self.orientation.recogniser, [line for line, _ in straightened])
        moved: dict[float, list[tuple[int, int, float]]] = {}
        checked.img_list = []
        for line, by in straightened:
            lean = by / line.shape[0]  # on the page, whatever the widening
            if factor != 1.0:
                line, by = widen(line, factor), round(by * factor)
            checked.img_list.append(line)
            height, width = line.shape[:2]
            moved.setdefault(width / float(height), []).append((by, width, lean))
        self.reading.moved, self.reading.leaning = moved, {}
        return checked


class _FrenchReading:
    """RapidOCR's last step, replaced: each line decoded with French words in mind
    (``french_words``); its word boxes made by RapidOCR's own code, from each character's frame."""

    def __init__(self, original: Any) -> None:
        from mairie_cli.ocr import french_words

        self.original = original
        self.characters: list[str] = list(original.character)
        self.words = french_words.load()
        #: For each line to come, by its width / height as read (the recogniser reads them in
        #: another order, and gives each line's ratio): how far its middle moved right when it
        #: was straightened, its width then, and how far its letters leant (the horizontal
        #: reach of a letter's top beyond its middle, for each pixel of the line's height).
        self.moved: dict[float, list[tuple[int, int, float]]] = {}
        #: The lines of the page read straightened, by their text: how far they leant.
        self.leaning: dict[str, float] = {}

    def __call__(
        self, preds: Any, return_word_box: bool = False, **kwargs: Any
    ) -> tuple[list[Any], list[Any]]:
        import numpy as np

        from mairie_cli.ocr.french_words import decode

        ratios = kwargs.get("wh_ratio_list", [1.0] * len(preds))
        widest = kwargs.get("max_wh_ratio", 1.0)
        lines, word_results = [], []
        # Which lines are text stays the recogniser's decision: a line keeps the score RapidOCR
        # gives it (the lines scored too low are dropped); only its reading changes.
        scores = [score for _, score in self.original(preds)[0]]
        for index, probs in enumerate(preds):
            text, frames, confidences = decode(probs, self.characters, self.words)
            lines.append((text, scores[index]))
            same_shape = self.moved.get(ratios[index])
            moved, width, lean = same_shape.pop() if same_shape else (0, 0, 0.0)
            if lean:
                self.leaning[text] = max(lean, self.leaning.get(text, 0.0))
            if return_word_box:
                # Frames over the line as read, then over the line as cropped: shifted back by
                # how far the straightening moved it (a character read in the added margin
                # stays at the line's start: one frame each), its added width left out.
                span = len(probs) * ratios[index] / widest
                shift = moved * span / width if moved else 0.0
                back = min(round(shift), frames[0]) if frames else 0
                chosen = np.zeros(len(probs), dtype=bool)
                chosen[[frame - back for frame in frames]] = True
                info = self.original.get_word_info(text, chosen)
                info.line_txt_len = span - 2 * shift
                info.confs = [round(c, 5) for c in confidences] or [0]
                word_results.append(info)
        return lines, word_results


def _read(engine: Any, array: Any) -> list[Word]:
    output = engine(array, return_word_box=True)
    return _words(output, engine.text_cls.reading.leaning)


def _words(output: Any, leaning: dict[str, float]) -> list[Word]:
    """The words of RapidOCR's output; a word of a line read straightened (``leaning``: how far
    its letters leant) has its box widened by as much, so that it covers the leaning ink."""
    from mairie_cli.ocr import french_words

    french = french_words.load()
    words: list[Word] = []
    texts = list(output.txts or ())
    word_results = list(getattr(output, "word_results", None) or [()] * len(texts))
    boxes = output.boxes if output.boxes is not None else []
    rows = zip(boxes, texts, output.scores or (), word_results, strict=False)
    for number, (box, text, score, found) in enumerate(rows):
        line_text = " ".join(str(text).split())
        if sum(ch.isalnum() for ch in line_text) < MIN_CHARACTERS and not _NUMBER.match(line_text):
            continue
        line = (1, 1, number + 1)
        pieces = [(str(w[0]), float(w[1]), w[2]) for w in found if str(w[0]).strip()] if found else []
        if not pieces:
            pieces = [(piece, float(score), box) for piece in line_text.split()]
        reach = leaning.get(str(text), 0.0)
        for piece, confidence, points in pieces:
            xs = [int(p[0]) for p in points]
            ys = [int(p[1]) for p in points]
            height = max(1, max(ys) - min(ys))
            left, right = min(xs) - round(reach * height), max(xs) + round(reach * height)
            words.append(
                Word(
                    piece.strip(), round(100 * confidence, 1), max(0, left), min(ys),
                    max(1, right - max(0, left)), height, line, french.made_of(piece),
                )
            )  # fmt: skip
    return words
