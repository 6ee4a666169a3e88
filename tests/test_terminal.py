"""The secretary's screens driven in a pseudo-terminal, key by key, keystrokes counted.

The figures asked for: at most 5 keystrokes per entry beyond the text (dates kept or short),
at most 12 to fix one word in the middle of a 1,400-character text, and texts of several
paragraphs and blank authors that come back exactly as typed.
"""

import json
import signal

import pytest

from mairie_cli.services.commune.register import Register
from testkit.terminal import Terminal

pytestmark = pytest.mark.slow

TWO_PARAGRAPHS = (
    "Premier paragraphe : la poste ferme.\n\nSecond paragraphe, après une ligne vide.\nEt sa suite."
)


def entries(folder):
    with Register.open(folder) as register:
        return list(register.contributions())


def _entry(screen: Terminal, *, date: str | None, nature: str | None, text: str, page: str | None) -> None:
    """One entry: the date (or Entrée to keep it), the nature key, the text; then Ctrl+S to save at
    once when the page is kept, or Tab, Entrée (no author) and the page."""
    screen.expect("Date")
    if date:
        screen.typed(date)
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press(nature or "Entrée")
    screen.expect("Texte")
    screen.text(text)
    if page is None:
        screen.press("Ctrl+S")
    else:
        screen.press("Tab")
        screen.expect("Auteur")
        screen.press("Entrée")
        screen.expect("Page du cahier")
        screen.typed(page)
        screen.press("Entrée")
    screen.expect("enregistrée")


def test_paragraphs_and_blank_author_come_back_exactly_with_five_keys_per_entry(folder):
    screen = Terminal(folder, "saisir")
    _entry(screen, date="12/12/2018", nature="d", text=TWO_PARAGRAPHS, page="3")
    first_entry_keys = screen.keys
    screen.keys = 0
    _entry(screen, date=None, nature=None, text="Un bus le samedi.", page=None)  # same date, nature, page
    same_date_keys = screen.keys
    screen.keys = 0
    _entry(screen, date="13", nature="p", text="Garder l'école.", page=None)  # a short date
    short_date_keys = screen.keys
    screen.keys = 0
    _entry(screen, date=None, nature=None, text="Une maison de santé.", page="4")  # the page turns
    new_page_keys = screen.keys
    screen.expect("Date")
    screen.press("q", "Entrée")
    assert "4 contribution(s) enregistrée(s)" in screen.finish()
    rows = entries(folder)
    assert [(r.text, r.author, r.written_on, r.nature.value, r.page_number) for r in rows] == [
        (TWO_PARAGRAPHS, None, "2018-12-12", "doleance", 3),
        ("Un bus le samedi.", None, "2018-12-12", "doleance", 3),
        ("Garder l'école.", None, "2018-12-13", "proposition", 3),
        ("Une maison de santé.", None, "2018-12-13", "proposition", 4),
    ]
    # Beyond the text: Entrée (date kept), Entrée (nature kept), Ctrl+S.
    assert same_date_keys == 3
    # A short date: « 1 », « 3 », Entrée, the nature key, Ctrl+S.
    assert short_date_keys == 5
    # The page turns: Entrée, Entrée, Tab, Entrée (no author), « 4 », Entrée.
    assert new_page_keys == 6
    assert first_entry_keys == 5 + len("12/12/2018") + len("3")
    print(
        f"\nkeystrokes per entry beyond the text: {same_date_keys} (date kept), {short_date_keys} "
        f"(« 13 »), {new_page_keys} (new page)"
    )


def test_line_editing_history_and_a_sentence_typed_as_author(folder):
    screen = Terminal(folder, "saisir")
    screen.expect("Date")
    screen.typed("12/1/2018")
    screen.press("←", "←", "←", "←", "←", "2")  # arrows move: 12/1/2018 → 12/12/2018
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press("d")
    screen.expect("Texte")
    screen.text("Rouvrir la trésorerie.")
    screen.press("Tab")
    screen.expect("Auteur")
    screen.text("Mme Martn")
    screen.press("←", "i", "Entrée")  # a typo fixed in place
    screen.expect("Page du cahier")
    screen.press("Entrée")
    screen.expect("enregistrée")
    screen.expect("Date")
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press("Entrée")
    screen.expect("Texte")
    screen.text("Des médecins.")
    screen.press("Tab")
    screen.expect("Auteur")
    screen.press("↑", "Entrée")  # the previous answer comes back
    screen.expect("Page du cahier")
    screen.press("Entrée")
    screen.expect("enregistrée")
    # A second paragraph typed at the author prompt is not stored as an author.
    screen.expect("Date")
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press("Entrée")
    screen.expect("Texte")
    screen.text("Plus de bus.")
    screen.press("Tab")
    screen.expect("Auteur")
    screen.text("Et nous voulons aussi que le car passe le samedi matin.")
    screen.press("Entrée")
    screen.expect("ressemble à une phrase")
    screen.press("Entrée")
    screen.expect("Page du cahier")
    screen.press("Entrée")
    screen.expect("enregistrée")
    screen.expect("Date")
    screen.press("q", "Entrée")
    screen.finish()
    rows = entries(folder)
    assert [(r.written_on, r.author) for r in rows] == [
        ("2018-12-12", "Mme Martin"),
        ("2018-12-12", "Mme Martin"),
        ("2018-12-12", None),
    ]
    assert rows[2].text == "Plus de bus.\n\nEt nous voulons aussi que le car passe le samedi matin."


def _long_text() -> tuple[str, str]:
    """About 1,400 characters with one misspelt word in the middle, and the text as it should be."""
    sentences = [
        "Nous habitons la commune depuis trente ans et nous voyons les services partir un à un.",
        "La poste n'ouvre plus que deux matinées par semaine et la trésorerie a fermé l'an dernier.",
        "Les jeunes partent travailler en ville faute de transport le matin et le soir.",
        "Le car scolaire ne passe plus par le hameau du Bois depuis la rentrée de septembre.",
    ]
    before = " ".join(sentences * 2)
    after = " ".join(reversed(sentences * 2))
    right = f"{before} Il manque des médecins pour les anciens du village. {after}"
    wrong = right.replace("médecins", "medecins")
    assert 1300 <= len(wrong) <= 1500 and wrong.count("medecins") == 1
    return wrong, right


def _fix_one_word(screen: Terminal) -> None:
    """Find « mede », step over the m, replace the e by é, end the text."""
    screen.press("Ctrl+F")
    screen.typed("mede")
    screen.press("Entrée", "→", "Suppr", "é", "Tab")


def test_fixing_one_word_in_a_long_text_with_corriger(folder, cli):
    wrong, right = _long_text()
    added = cli("ajouter", "--texte", wrong, "--date", "12/12/2018", "--json")
    ident = json.loads(added.stdout)["uuid"][:8]
    screen = Terminal(folder, "corriger", ident)
    screen.expect("Tab")
    _fix_one_word(screen)
    out = screen.finish()
    assert "corrigée (version 2)" in out and screen.status == 0, out
    [row] = entries(folder)
    assert row.text == right
    assert screen.keys <= 12
    print(f"\nkeystrokes to fix one word in {len(wrong)} characters: {screen.keys}")


def test_correcting_the_previous_entry_in_saisir_keeps_every_answer_prefilled(folder, cli):
    wrong, right = _long_text()
    cli("ajouter", "--texte", wrong, "--date", "12/12/2018", "--auteur", "M. Petit", "--page", "4")
    screen = Terminal(folder, "saisir")
    screen.expect("Ce cahier contient déjà 1 contribution")
    screen.expect("Date")
    screen.press("c", "Entrée")
    screen.expect("Date")
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press("Entrée")
    screen.expect("Texte")
    _fix_one_word(screen)
    screen.expect("Auteur")
    screen.press("Entrée")
    screen.expect("Page du cahier")
    screen.press("Entrée")
    screen.expect("corrigée")
    screen.expect("Date")
    screen.press("q", "Entrée")
    screen.finish()
    [row] = entries(folder)
    assert (row.text, row.author, row.page_number, row.written_on, row.version) == (
        right, "M. Petit", 4, "2018-12-12", 2,
    )  # fmt: skip


def test_a_restarted_session_says_what_the_cahier_holds(folder, cli):
    cli(
        "ajouter",
        "--texte",
        "Rouvrir la poste.",
        "--date",
        "14/12/2018",
        "--page",
        "6",
        "--auteur",
        "Mme Roux",
    )
    screen = Terminal(folder, "saisir")
    shown = screen.expect(r"Date \[14/12/2018\]")
    assert "Ce cahier contient déjà 1 contribution(s)" in shown
    assert "« Rouvrir la poste. »" in shown and "page 6" in shown
    assert "Contribution n° 2 (déjà dans le cahier : 1" in shown
    screen.press("Entrée")
    screen.expect("Nature")
    screen.press("Entrée")
    screen.expect("Texte")
    screen.text("Un distributeur de billets.")
    screen.press("Tab")
    screen.expect("Auteur")
    screen.press("Entrée")
    screen.expect(r"Page du cahier \[6\]")
    screen.press("Entrée")
    screen.expect("enregistrée")
    screen.expect("Date")
    screen.text("15/12")  # half typed when the window closes: what is saved stays
    screen.child.kill(signal.SIGHUP)
    screen.finish()
    assert [(r.written_on, r.page_number) for r in entries(folder)] == [("2018-12-14", 6)] * 2


def test_help_does_not_load_the_line_editor():
    import subprocess
    import sys

    shown = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mairie_cli", "--help"], capture_output=True, text=True
    )
    assert shown.returncode == 0 and "saisir" in shown.stdout
    assert "prompt_toolkit" not in shown.stderr


def two_typed_drafts(folder, tmp_path) -> None:
    """A typed page read by OCR into two drafts to proofread."""
    from mairie_cli.services.commune.ocr import run_ocr
    from testkit.synthetic import typed_page

    scans = tmp_path / "scans"
    scans.mkdir()
    lines = [
        "Le 12/12/2018", "Nous demandons le maintien du bureau de poste.", "Signé : Jean Martin", "",
        "Le 13/12/2018", "Il faut un medecin au village.", "Signé : Anne Roux",
    ]  # fmt: skip
    typed_page(lines, dpi=150).save(scans / "registre-1.png")
    with Register.open(folder) as register:
        run_ocr(register, [scans], jobs=1)


needs_tesseract = pytest.mark.skipif(
    __import__("shutil").which("tesseract") is None, reason="tesseract absent"
)


@needs_tesseract
def test_relire_takes_single_keys_confirms_and_counts(folder, tmp_path):
    two_typed_drafts(folder, tmp_path)
    screen = Terminal(folder, "relire", "--sans-image")
    shown = screen.expect("Choix")
    assert "registre-1.png, page 1" in shown and "brouillon 1/2" in shown
    screen.press("Entrée")  # accept: one key, no Entrée after it
    shown = screen.expect("Choix")
    assert "Accepté : contribution n° 1" in shown and "brouillon 2/2" in shown
    screen.press("m")
    screen.expect("Corrigez le texte")
    screen.press("Ctrl+F")
    screen.typed("mede")
    screen.press("Entrée", "→", "Suppr", "é", "Tab")
    out = screen.finish()
    assert "Texte corrigé et accepté : contribution n° 2" in out
    assert "Relecture terminée : tout est relu." in out
    rows = entries(folder)
    assert [r.status.value for r in rows] == ["relue", "relue"]
    assert "un médecin au village" in rows[1].text


@needs_tesseract
def test_keys_typed_ahead_are_kept(folder, tmp_path):
    """A secretary who knows the screens types before they show: no key is lost (on Linux and
    macOS, reading a single key used to empty what was typed ahead)."""
    two_typed_drafts(folder, tmp_path)
    screen = Terminal(folder, "relire", "--sans-image")
    screen.press("Entrée", "Entrée")  # both drafts accepted before the first is even shown
    out = screen.finish()
    assert "Relecture terminée : tout est relu." in out
    assert [r.status.value for r in entries(folder)] == ["relue", "relue"]


def test_a_failing_image_viewer_gets_a_french_sentence(tmp_path, monkeypatch, capsys):
    from mairie_cli.cli import relire

    image = tmp_path / "page.png"
    image.write_bytes(b"")
    monkeypatch.setenv("PATH", str(tmp_path / "rien"))  # no viewer at all
    relire._show(image)
    assert "La visionneuse d'images n'a pas pu s'ouvrir" in capsys.readouterr().err
    broken = tmp_path / "bin"
    broken.mkdir()
    opener = broken / "xdg-open"
    opener.write_text("#!/bin/sh\nexit 3\n")
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", str(broken))  # a viewer that fails (no display)
    relire._show(image)
    assert "ouvrez vous-même le fichier" in capsys.readouterr().err


@needs_tesseract
def test_a_handwritten_page_read_automatically_is_corrected_or_typed(folder, tmp_path):
    from mairie_cli.services.commune.ocr import run_ocr
    from testkit.synthetic import handwritten_page

    scans = tmp_path / "scans"
    scans.mkdir()
    handwritten_page(["Le 12/12/2018", "Garder l'école du village."], dpi=150).save(scans / "main.png")
    lines = ["Le 13/12/2018", "Rouvrir la poste et garder l'école du village."]
    handwritten_page(lines, dpi=150).save(scans / "main2.png")
    with Register.open(folder) as register:
        run_ocr(register, [scans], jobs=1)
        from mairie_cli.services.commune.status import status

        counts = status(register).page_counts
        assert (counts.handwritten, counts.handwritten_read) == (2, 2)  # « 2 lue(s) automatiquement »

        # Each word read by the handwriting engine says whether it is made of French words:
        # relire highlights those that are not, whatever their confidence.
        words = [
            w
            for page in register.pages.pages_to_proofread()
            for w in register.pages.page(page["id"])["words"]
        ]
        assert words and all(isinstance(w[7], bool) for w in words)
    screen = Terminal(folder, "relire", "--sans-image")
    shown = screen.expect("Choix")
    assert "main.png, page 1" in shown and "lecture automatique d'une page manuscrite" in shown
    screen.press("Entrée")  # the first page's reading accepted as it is
    screen.expect(r"Tout le texte de la page est-il dans les contributions relues \? \[o/N\]")
    screen.press("o")  # one key
    shown = screen.expect("Choix")
    assert "main2.png, page 1" in shown
    screen.press("t")  # the second page's reading discarded: typed instead
    _entry(screen, date="13/12/2018", nature="d", text="Un médecin au bourg.", page=None)
    screen.expect("Date")
    screen.press("q", "Entrée")
    screen.expect(r"entièrement tapée \? \[o/N\]")
    screen.press("o")
    out = screen.finish()
    assert "Relecture terminée : tout est relu." in out
    rows = entries(folder)
    assert [(r.source.value, r.status.value) for r in rows] == [("ocr", "relue"), ("saisie", "relue")]
    assert rows[0].region["manuscrit"] is True and rows[1].text == "Un médecin au bourg."
    with Register.open(folder) as register:
        assert register.pages.counts() == {"relue": 2}
