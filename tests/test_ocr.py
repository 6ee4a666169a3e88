"""Scanned pages: opening them safely, reading them with the real tesseract, triage, drafts."""

import hashlib
import json
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from mairie_cli.errors import ExitCode, OcrUnavailable, ScanUnreadable
from mairie_cli.ocr import imageops, segment, sources, triage
from mairie_cli.ocr.worker import read_page
from mairie_cli.services.commune.ocr import run_ocr
from testkit.metrics import cer
from testkit.synthetic import degrade, handwritten_page, has_accents, typed_page

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract absent (CI l'installe avec le modèle fra)"
)
ENTRY = [
    "Le 12/12/2018",
    "Nous demandons le maintien du bureau de poste du village,",
    "ouvert seulement deux matinées par semaine.",
    "Signé : Jean Martin",
]
TEXT = ENTRY + [
    "",
    "Le 13/12/2018",
    "La trésorerie est partie à trente kilomètres,",
    "il faut rouvrir un guichet le samedi.",
    "Signé : Marie Durand",
]


def page_text(result):
    return "\n".join(text for text, _ in result["lines"])


def task(path: Path, kind="image", index=0):
    return {"page_id": 1, "path": str(path), "kind": kind, "index": index, "language": "fra", "timeout": 60}


# -- opening files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("vide.jpg", b"", "est vide (0 octet)"),
        ("lettre.jpg", b"Ceci est un texte, pas une image.\n", "n'est pas une image"),
        ("coupe.pdf", b"%PDF-1.4\n1 0 obj\n<<", "PDF abîmé ou tronqué"),
    ],
)
def test_unreadable_files_are_named_in_french(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScanUnreadable) as error:
        sources.inspect(path)
    assert error.value.code == "E182"
    assert fragment in error.value.message and name in error.value.message


def test_truncated_jpeg(tmp_path):
    good = tmp_path / "bon.jpg"
    typed_page(ENTRY, dpi=100).save(good, quality=85)
    cut = tmp_path / "coupe.jpg"
    cut.write_bytes(good.read_bytes()[:1500])
    with pytest.raises(ScanUnreadable) as error:
        sources.inspect(cut)
    assert "abîmée ou tronquée" in error.value.message


def test_decompression_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bombe.png"
    Image.new("1", (20000, 20000), 1).save(bomb)  # tiny file, 400 million pixels
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ScanUnreadable) as error:
        sources.inspect(bomb)
    assert "démesurée" in error.value.message


def test_encrypted_pdf_is_refused(tmp_path):
    path = tmp_path / "protege.pdf"
    path.write_bytes(_pdf(["Bonjour"], encrypt=True))
    with pytest.raises(ScanUnreadable) as error:
        sources.inspect(path)
    assert "mot de passe" in error.value.message


def test_multipage_tiff_and_pdf_are_counted(tmp_path):
    pages = [typed_page([f"Page {i}"], dpi=50) for i in range(3)]
    tiff = tmp_path / "lot.tiff"
    pages[0].save(tiff, save_all=True, append_images=pages[1:])
    assert sources.inspect(tiff).pages == 3
    pdf = tmp_path / "lot.pdf"
    pages[0].convert("RGB").save(pdf, save_all=True, append_images=[p.convert("RGB") for p in pages[1:]])
    scan = sources.inspect(pdf)
    assert (scan.kind, scan.pages) == ("pdf", 3)


def test_cmyk_and_transparent_images_become_grey():
    cmyk = typed_page(ENTRY, dpi=60).convert("CMYK")
    assert imageops.normalise(cmyk).mode == "L"
    transparent = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    grey = imageops.normalise(transparent)
    assert grey.getpixel((10, 10)) == 255  # transparency becomes white paper, not black ink


# -- image functions -------------------------------------------------------------------------


def test_blank_and_written_pages():
    blank = degrade(Image.new("L", (1240, 1754), 255), noise=6, seed=1)
    assert triage.is_blank(imageops.ink_ratio(blank))
    assert not triage.is_blank(imageops.ink_ratio(typed_page(ENTRY, dpi=150)))


@pytest.mark.parametrize("angle", [-4.0, -2.0, 2.5, 5.0])
def test_skew_is_measured(angle):
    page = degrade(typed_page(TEXT * 2, dpi=150), skew=angle)
    assert abs(imageops.skew_angle(page) + angle) <= 0.3  # the correction turns the page back


# -- triage and segmentation -----------------------------------------------------------------


def test_triage_signals():
    typed = [(w, 93.0) for w in "nous demandons le maintien de la poste et des services publics".split()]
    assert triage.classify(typed).outcome == triage.TYPED
    scrawl = [(w, 31.0) for w in "Wous derran m aintien dv bur eau".split()]
    assert triage.classify(scrawl).outcome == triage.HANDWRITTEN
    # A printed form filled by hand: the printed words are sure, the handwriting is not.
    form = typed[:8] + [("xq", 12.0)] * 8
    assert triage.classify(form).outcome == triage.HANDWRITTEN
    assert triage.classify([]).outcome == triage.HANDWRITTEN  # ink but nothing readable


def lines_of(texts):
    return [segment.Line(t, (100, 100 + 40 * i, 900, 130 + 40 * i)) for i, t in enumerate(texts)]


def test_segmentation_boundaries():
    texts = [
        "Le 12/12/2018",
        "Nous demandons le maintien du bureau de poste du village, ouvert deux matins.",
        "Signé : Jean Martin",
        "Monsieur le Maire,",
        "La trésorerie est partie à trente kilomètres : il faut un guichet le samedi.",
        "- un car le samedi matin pour aller au marché de la ville voisine ;",
        "- une permanence des impôts une fois par mois au moins, en mairie.",
        "Cordialement",
        "3. Rétablir le train entre la vallée et la préfecture, fermé depuis 1990.",
        "---------------------------",
        "Plus de médecins à la campagne : le plus proche est à quarante minutes.",
    ]
    drafts = segment.split(lines_of(texts))
    assert [(d.first, d.last) for d in drafts] == [(0, 2), (3, 7), (8, 9), (10, 10)]
    assert "\n".join(d.text for d in drafts) == "\n".join(texts)


def test_signature_on_its_own_line_stays_with_its_entry():
    texts = [
        "Nous voulons garder l'école du village, avec ses deux classes et sa cantine.",
        "Cordialement,",
        "Jeanne Faure",
        "Le bus scolaire passe trop tôt le matin, avant sept heures, en plein hiver.",
        "Signé :",
        "Paul Girard",
        "Plus de médecins à la campagne : le plus proche est à quarante minutes.",
    ]
    assert [(d.first, d.last) for d in segment.split(lines_of(texts))] == [(0, 2), (3, 5), (6, 6)]


def test_short_pieces_are_not_cut():
    texts = [
        "Le 12/12/2018",
        "Le 13/12/2018",
        "Oui.",
        "Le 14/12/2018",
        "Une contribution assez longue pour tenir seule sur sa ligne.",
    ]
    drafts = segment.split(lines_of(texts))
    assert all(len(d.text) >= segment.MIN_CHARS for d in drafts)


def test_blank_gap_cuts():
    lines = lines_of(["Première contribution assez longue pour dépasser le minimum."] * 3)
    lines += [segment.Line("Seconde contribution, après un grand blanc sur la page.", (100, 600, 900, 630))]
    lines += [segment.Line("Elle continue ici sur une deuxième ligne du cahier.", (100, 640, 900, 670))]
    assert [(d.first, d.last) for d in segment.split(lines)] == [(0, 2), (3, 4)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdéè LeSigné:0123456789/-.,", max_size=60), max_size=25))
def test_drafts_give_the_page_back(texts):
    drafts = segment.split(lines_of(texts))
    assert "\n".join(d.text for d in drafts) == "\n".join(texts)
    for before, after in zip(drafts, drafts[1:], strict=False):
        assert after.first == before.last + 1


# -- reading pages with tesseract ------------------------------------------------------------


@needs_tesseract
@pytest.mark.parametrize(
    ("dpi", "changes"),
    [
        (300, {}),
        (150, {}),
        (300, {"rotate": 90}),
        (300, {"rotate": 180}),
        (300, {"rotate": 270}),
        (300, {"skew": 4.0}),
        (150, {"skew": -2.5, "noise": 12}),
        # A tired ribbon or a pale photocopy: once set aside as « blanche », now read as typed.
        (300, {"faint": 170, "blur": 1.0}),
        (300, {"faint": 200, "blur": 1.2}),
        (300, {"faint": 215, "blur": 1.0}),
        (150, {"faint": 200, "blur": 1.0}),
        (300, {"faint": 200, "blur": 1.0, "skew": 3.0, "noise": 6}),
    ],
)
def test_typed_pages_read_well_whatever_their_position(tmp_path, dpi, changes):
    if not has_accents():
        pytest.skip("aucune police avec les accents français (paquet fonts-dejavu-core)")
    path = tmp_path / "page.png"
    degrade(typed_page(TEXT, dpi=dpi), **changes).save(path)
    result = read_page(task(path))
    assert result["status"] == triage.TYPED, result
    assert cer("\n".join(t for t in TEXT if t), page_text(result)) < 0.01


@needs_tesseract
def test_jpeg_phone_photo_at_72_dpi(tmp_path):
    if not has_accents():
        pytest.skip("aucune police avec les accents français (paquet fonts-dejavu-core)")
    path = tmp_path / "photo.jpg"
    typed_page(ENTRY, dpi=72, size_pt=14).convert("RGB").save(path, quality=70, dpi=(72, 72))
    result = read_page(task(path))
    assert result["status"] == triage.TYPED
    assert result["params"]["upscale"] > 1
    assert cer("\n".join(ENTRY), page_text(result)) < 0.05


@needs_tesseract
def test_paper_grain_and_a_stain_stay_blank(tmp_path):
    rng = __import__("numpy").random.default_rng(3)
    grain = rng.normal(232, 7, (1754, 1240)).clip(0, 255).astype("uint8")
    grain[600:630, 300:340] -= 60  # a small stain: ink, but nothing to read and nothing to type
    path = tmp_path / "tache.png"
    Image.fromarray(grain).save(path)
    result = read_page(task(path))
    assert result["status"] == triage.BLANK, result


@needs_tesseract
def test_handwriting_and_blank_pages(tmp_path):
    hand = tmp_path / "main.png"
    handwritten_page(TEXT, dpi=150).save(hand)
    assert read_page(task(hand))["status"] == triage.HANDWRITTEN
    blank = tmp_path / "blanche.png"
    degrade(Image.new("L", (1240, 1754), 255), noise=5).save(blank)
    result = read_page(task(blank))
    assert result["status"] == triage.BLANK and result["words"] == []


@needs_tesseract
def test_a_page_that_fails_reports_instead_of_raising(tmp_path):
    result = read_page(task(tmp_path / "absente.png"))
    assert result == {
        **result,
        "status": "echec",
        "error": "l'original n'est plus dans le dossier pages/ (effacé ?)",
    }


# -- batches -----------------------------------------------------------------------------------


def make_scans(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    typed_page(TEXT, dpi=150).save(folder / "p1.png")
    degrade(typed_page(ENTRY, dpi=150), rotate=90).save(folder / "p2.png")
    handwritten_page(ENTRY, dpi=150).save(folder / "p3.png")
    Image.new("L", (1240, 1754), 255).save(folder / "p4.png")
    return folder


@needs_tesseract
def test_batch_stores_originals_and_resumes(register, tmp_path):
    scans = make_scans(tmp_path / "scans")
    (scans / "casse.jpg").write_bytes(b"\xff\xd8\xff\xe0 pas un vrai jpeg")
    report = run_ocr(register, [scans], jobs=2)
    data = report.to_dict()
    assert (data["typed"], data["handwritten"], data["blank"]) == (2, 1, 1)
    assert data["unreadable"][0]["file"] == "casse.jpg" and not report.complete
    assert data["drafts"] == 4  # the handwritten page too is read, by the handwriting engine
    for original in scans.glob("p*.png"):
        digest = hashlib.sha256(original.read_bytes()).hexdigest()
        stored = register.workspace.root / "pages" / digest[:2] / f"{digest}.png"
        assert stored.read_bytes() == original.read_bytes()
    drafts = [c for c in register.contributions() if c.source.value == "ocr"]
    assert {c.status for c in drafts} == {"brouillon"} and all(c.page_id for c in drafts)
    # Each draft is a structured contribution: its date line and signature leave the text.
    first = drafts[0]
    assert first.text == (
        "Nous demandons le maintien du bureau de poste du village, ouvert seulement deux matinées par semaine."
    )
    assert (first.written_on, first.author, first.page_number) == ("2018-12-12", "Jean Martin", 1)
    assert (drafts[1].written_on, drafts[1].author, drafts[1].nature.value) == (
        "2018-12-13",
        "Marie Durand",
        "proposition",  # « il faut rouvrir »
    )
    assert drafts[1].region["cue"] == "il faut"
    again = run_ocr(register, [scans])
    assert (len(again.pages), again.skipped) == (0, 4)
    # The same page under another name is recognised by its content.
    shutil.copy(scans / "p1.png", tmp_path / "copie.png")
    assert run_ocr(register, [tmp_path / "copie.png"]).skipped == 1


@needs_tesseract
def test_failed_pages_are_read_again_next_time(register, tmp_path, monkeypatch):
    """A page that timed out (the fake stands for tesseract here) is read on the next run."""
    scans = make_scans(tmp_path / "scans")
    import mairie_cli.services.commune.ocr as service

    real = service.read_page
    rotated = hashlib.sha256((scans / "p2.png").read_bytes()).hexdigest()

    def slow_on_p2(task):
        if rotated in task["path"]:
            return {"page_id": task["page_id"], "status": "echec", "error": "délai dépassé (60 s)"}
        return real(task)

    monkeypatch.setattr(service, "read_page", slow_on_p2)
    first = run_ocr(register, [scans], jobs=1)
    assert [(p.file, p.status, p.error) for p in first.failed] == [
        ("p2.png", "echec", "délai dépassé (60 s)")
    ]
    assert not first.complete and len(first.pages) == 4
    monkeypatch.undo()
    second = run_ocr(register, [scans], jobs=1)
    assert [(p.file, p.status) for p in second.pages] == [("p2.png", "brouillon")]
    assert second.complete and second.skipped == 3


@needs_tesseract
def test_pdf_with_and_without_text_layer(register, tmp_path):
    image_pdf = tmp_path / "scan.pdf"
    typed_page(TEXT, dpi=150).convert("RGB").save(image_pdf, resolution=150)
    text_pdf = tmp_path / "texte.pdf"
    text_pdf.write_bytes(
        _pdf(["Le 12/12/2018", "Nous demandons le maintien de la poste du village.", "Signe : Jean"])
    )
    report = run_ocr(register, [image_pdf, text_pdf], jobs=1)
    assert [p.status for p in report.pages] == ["brouillon", "brouillon"]
    found = {c.text: (c.written_on, c.author) for c in register.contributions()}
    assert found["Nous demandons le maintien de la poste du village."] == ("2018-12-12", "Jean")
    row = register.db.execute(
        "SELECT engine FROM pages p JOIN originals o ON o.sha256 = p.original_sha256 WHERE o.file_name = 'texte.pdf'"
    ).fetchone()
    assert row[0] == "pdf"


def test_tesseract_missing_or_without_language(register, tmp_path, monkeypatch):
    monkeypatch.setenv("MAIRIE_TESSERACT", str(tmp_path / "pas-de-tesseract"))
    with pytest.raises(OcrUnavailable) as error:
        run_ocr(register, [tmp_path])
    assert "tesseract est introuvable" in error.value.message
    if shutil.which("tesseract"):
        monkeypatch.delenv("MAIRIE_TESSERACT")
        with pytest.raises(OcrUnavailable) as error:
            run_ocr(register, [tmp_path], language="xyz")
        assert "tesseract-ocr-xyz" in error.value.message


@needs_tesseract
def test_ocr_command_and_exit_codes(cli, folder, tmp_path):
    scans = make_scans(folder / "scans")
    result = cli("ocr", "--json", "--jobs", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["read"], data["typed"], data["handwritten"], data["blank"]) == (4, 2, 1, 1)
    (scans / "faux.jpg").write_text("pas une image", encoding="utf-8")
    again = cli("ocr")
    assert again.exit_code == ExitCode.BATCH_INCOMPLETE
    assert "Erreur : [E182] « faux.jpg » n'est pas une image" in again.stderr
    assert "4 déjà lue(s), ignorée(s)" in again.stderr


# -- proofreading ------------------------------------------------------------------------------


@needs_tesseract
def test_relire_accept_edit_merge_split_delete_and_transcribe(cli, register, tmp_path):
    scans = make_scans(tmp_path / "scans")
    run_ocr(register, [scans], jobs=1)
    drafts = [c for c in register.contributions() if c.status == "brouillon"]
    assert len(drafts) == 4  # p1: two entries; p2: one; p3 (handwritten): the automatic reading
    assert [bool((d.region or {}).get("manuscrit")) for d in drafts] == [False, False, False, True]
    keys = "\n".join(
        [
            "c", "2",  # p1, draft 1 (two paragraphs once split): cut before its second
            "",  # accept its first half
            "f",  # merge the second half back into it
            "m", "Texte corrigé de la seconde contribution.", ".",  # p1, draft 2: edit
            "s",  # p2: delete its only draft
            "t",  # p3 (handwritten, read automatically): discard the reading, type it
            "19/12/2018", "d", "Garder l'école du village.", ".", "", "",
            "q", "o",  # end of typing; the page is fully typed
        ]
    )  # fmt: skip
    first = register.contributions().__next__()
    register.correct(first.uuid, text="Nous demandons le maintien du bureau de poste.\nOuvert deux matinées.")
    result = cli("relire", "--sans-image", input=keys + "\n")
    assert result.exit_code == 0, result.output
    assert "Relecture terminée : tout est relu." in result.stderr
    live = list(register.contributions())
    assert [c.status for c in live] == ["relue"] * 3
    assert live[0].text.startswith("Nous demandons le maintien du bureau de poste.\nOuvert")
    assert live[1].text == "Texte corrigé de la seconde contribution."
    typed = live[2]
    assert typed.text == "Garder l'école du village." and typed.page_id is not None
    statuses = dict(register.db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status").fetchall())
    assert statuses.get("relue") == 1 and "manuscrit" not in statuses


@needs_tesseract
def test_drafts_are_not_exported_until_proofread(register, tmp_path):
    from mairie_cli.services.commune.export import export_bundle

    run_ocr(register, [make_scans(tmp_path / "scans")], jobs=1)
    assert export_bundle(register, encrypt=False).sequence is None
    from mairie_cli.services.commune import proofread

    first = proofread.drafts(register, proofread.pages(register)[0].id)[0]
    proofread.accept(register, first)
    result = export_bundle(register, encrypt=False)
    assert (result.sequence, result.contributions) == (1, 1)
    assert result.pages_to_type == 1  # the handwritten page: the command warns about it


# -- a PDF written by hand, with a text layer (and an encrypted variant) ------------------------


def _pdf(lines: list[str], encrypt: bool = False) -> bytes:
    content = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    stream = zlib.compress(content.encode("latin-1"))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        None,  # the content stream
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        if body is None:
            out += f"{number} 0 obj\n<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            out += stream + b"\nendstream\nendobj\n"
        else:
            out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    extra = ""
    if encrypt:
        offsets.append(len(out))
        out += (
            f"{len(objects) + 1} 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <{'41' * 32}> "
            f"/U <{'42' * 32}> /P -4 >>\nendobj\n"
        ).encode()
        extra = f" /Encrypt {len(objects) + 1} 0 R /ID [<{'01' * 16}> <{'01' * 16}>]"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R{extra} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@needs_tesseract
def test_blank_pages_are_listed_and_can_be_typed_after_all(cli, register, tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    degrade(Image.new("L", (1240, 1754), 255), noise=5).save(scans / "page-blanche.png")
    result = cli("ocr", str(scans))
    assert "page-blanche.png p. 1" in result.stderr and "--blanches" in result.stderr
    kept = cli("relire", "--blanches", "--sans-image", input="\n")
    assert kept.exit_code == 0 and "page trouvée blanche" in kept.stdout
    assert register.pages.counts() == {"vide": 1}
    typed = cli(
        "relire", "--blanches", "--sans-image",
        input="\n".join(["t", "19/12/2018", "d", "Une ligne au crayon, très pâle.", ".", "", "", "q", "o"]) + "\n",
    )  # fmt: skip
    assert typed.exit_code == 0, typed.output
    [entry] = register.contributions()
    assert entry.text == "Une ligne au crayon, très pâle." and entry.page_id is not None
    assert register.pages.counts() == {"relue": 1}
    assert "Aucune page blanche." in cli("relire", "--blanches").stderr


@needs_tesseract
def test_relire_shows_and_changes_fields_and_joins_over_pages(cli, register, tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    typed_page(
        ["Le 12/12/2018", "Nous demandons le maintien du bureau de poste du village et"], dpi=150
    ).save(scans / "p1.png")
    typed_page(
        ["de la trésorerie, qui ferme elle aussi le samedi matin.", "Signé : Jean Martin"], dpi=150
    ).save(scans / "p2.png")
    run_ocr(register, [scans], jobs=1)
    keys = ["d", "13/12/2018", "a", "Famille Roux", "n", "p", "g", "7", "", "j"]
    result = cli("relire", "--sans-image", input="\n".join(keys) + "\n")
    assert result.exit_code == 0, result.output
    assert "Date : 12/12/2018 · Auteur : — · Page : 1 · Nature : doléance" in result.stdout
    assert "Relecture terminée : tout est relu." in result.stderr
    [entry] = register.contributions()
    assert (entry.written_on, entry.author, entry.nature.value, entry.page_number) == (
        "2018-12-13",
        "Famille Roux",
        "proposition",
        7,
    )
    assert entry.text == (
        "Nous demandons le maintien du bureau de poste du village et\n"
        "de la trésorerie, qui ferme elle aussi le samedi matin."
    )
    assert entry.status.value == "relue"


@needs_tesseract
def test_relire_shows_the_page_alone_and_upright(register, tmp_path, monkeypatch):
    """The image opened beside a page's drafts: the scan itself when it is a single image read
    as scanned; else that page alone, turned as it was read (a page of a PDF, a page scanned
    upside down)."""
    import tempfile

    from mairie_cli.services.commune import proofread

    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))  # nothing left from before

    upright = typed_page(ENTRY, dpi=150)
    ImageDraw.Draw(upright).rectangle([60, 40, 1180, 110], fill=0)  # a black band at the top
    single = tmp_path / "droite.png"
    upright.save(single)
    pdf = tmp_path / "lot.pdf"
    pages = [typed_page(TEXT, dpi=150), upright.rotate(180)]  # the second page scanned upside down
    pages[0].convert("RGB").save(pdf, save_all=True, append_images=[pages[1].convert("RGB")])
    run_ocr(register, [single, pdf], jobs=1)
    shown = {(p.file_name, p.index): proofread.picture(register, p) for p in proofread.pages(register)}
    assert shown[("droite.png", 1)] == next(register.workspace.root.glob("pages/*/*.png"))
    turned = shown[("lot.pdf", 2)]
    assert turned.parent == tmp_path / "temp" / "mairie-relire" and shown[("lot.pdf", 1)] != turned
    with Image.open(turned) as picture:
        grey = np.asarray(picture.convert("L"), dtype=float)
    height = grey.shape[0]
    assert grey[: height // 10].mean() < grey[-height // 10 :].mean() - 20  # the band is on top
    # The original damaged since (a disk error): its path is given, never a traceback.
    turned.unlink()
    page = next(p for p in proofread.pages(register) if p.index == 2)
    page.image.write_bytes(page.image.read_bytes()[:400])
    assert proofread.picture(register, page) == page.image
