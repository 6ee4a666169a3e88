"""The only module that talks to the tesseract program (through pytesseract).

Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``): its own threads made a batch seven
times slower on two cores; parallelism comes from one worker process per core instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from mairie_cli.errors import OcrUnavailable
from mairie_cli.ocr.engines import Word

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

#: Page segmentation mode 4 (« a single column of text of variable sizes »): measured on the
#: typed pages of the real corpus, 12.3 % CER against 14.6 % for the default mode 3.
DEFAULT_PSM = 4
TESSERACT_ENV = "MAIRIE_TESSERACT"


def _pytesseract() -> Any:
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = os.environ.get(TESSERACT_ENV) or "tesseract"
    return pytesseract


def check(language: str) -> str:
    """The engine version, after checking that tesseract and the language model are there."""
    pytesseract = _pytesseract()
    command = pytesseract.pytesseract.tesseract_cmd
    if shutil.which(command) is None and not Path(command).is_file():
        raise OcrUnavailable(
            "Le programme tesseract est introuvable. Installez-le : sous Debian ou Ubuntu, "
            "« sudo apt-get install tesseract-ocr tesseract-ocr-fra » ; sous Windows, l'installateur "
            "« Tesseract at UB Mannheim » (cochez la langue French) ; sous macOS, « brew install "
            f"tesseract tesseract-lang ». S'il est installé ailleurs, indiquez son chemin dans la "
            f"variable {TESSERACT_ENV}."
        )
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractError, OSError, RuntimeError):
        raise OcrUnavailable(
            "Le programme tesseract ne répond pas correctement : réinstallez-le (avec la langue "
            "française), ou indiquez le bon chemin dans la variable " + TESSERACT_ENV + "."
        ) from None
    if language not in languages:
        raise OcrUnavailable(
            f"Le modèle de langue « {language} » de tesseract n'est pas installé (langues "
            f"présentes : {', '.join(sorted(languages)) or 'aucune'}). Sous Debian ou Ubuntu : "
            f"« sudo apt-get install tesseract-ocr-{language} »."
        )
    return version


def _uncompressed(image: Any) -> Any:
    # pytesseract hands the image over through a temporary file, in the image's own format or
    # PNG: encoding a 300-dpi page as PNG costs a tenth of a second, BMP almost nothing.
    image.format = "BMP"
    return image


def read_words(image: Any, language: str, psm: int = DEFAULT_PSM, timeout: float = 120) -> list[Word]:
    """Words with confidence and box; raises ``TimeoutError`` past ``timeout`` seconds."""
    pytesseract = _pytesseract()
    image = _uncompressed(image)
    try:
        data = pytesseract.image_to_data(
            image, lang=language, config=f"--psm {psm}", output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )  # fmt: skip
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise TimeoutError(f"tesseract a dépassé {timeout:.0f} s") from None
        raise
    words = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not text.strip():
            continue
        words.append(
            Word(
                text.strip(), conf, int(data["left"][i]), int(data["top"][i]),
                int(data["width"][i]), int(data["height"][i]),
                (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )  # fmt: skip
    return words


def orientation(image: Any, timeout: float = 60) -> tuple[int, float]:
    """Rotation (0, 90, 180, 270, clockwise, as tesseract's OSD reports) and its confidence."""
    pytesseract = _pytesseract()
    image = _uncompressed(image)
    try:
        osd = pytesseract.image_to_osd(
            image, config="--psm 0 -c min_characters_to_try=10",
            output_type=pytesseract.Output.DICT, timeout=timeout,
        )  # fmt: skip
    except (pytesseract.TesseractError, RuntimeError):
        return 0, 0.0  # too little text to tell: leave the page as it is
    return int(osd.get("rotate", 0)), float(osd.get("orientation_conf", 0.0))
