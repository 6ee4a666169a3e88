"""``mairie saisir`` driven with typed input, and killed in the middle of a session."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest


def entries(cli):
    return json.loads(cli("liste", "--json").stdout)


def test_typing_three_entries_with_defaults(cli):
    typed = "\n".join(
        [
            "12/12/2018", "d", "Plus de médecins", "à la campagne.", ".", "Mme Martin", "3",
            "", "p", "Un bus le samedi.", ".", "", "",          # same date, same page
            "13", "", "Garder la poste.", ".", "", "-",          # day only; nature kept; no page
            "q",
        ]
    )  # fmt: skip
    result = cli("saisir", input=typed + "\n")
    assert result.exit_code == 0, result.output
    assert "Saisie terminée : 3 contribution(s) enregistrée(s) pendant cette séance." in result.stdout
    rows = entries(cli)
    assert [(r["written_on"], r["nature"], r["page_number"], r["author"]) for r in rows] == [
        ("2018-12-12", "doleance", 3, "Mme Martin"),
        ("2018-12-12", "proposition", 3, None),
        ("2018-12-13", "proposition", None, None),
    ]
    assert rows[0]["text"] == "Plus de médecins\nà la campagne."
    assert {r["source"] for r in rows} == {"saisie"}


def test_wrong_date_is_asked_again_and_nothing_lost(cli):
    typed = "31/02/2019\n12/02/2019\nd\nRéparer le pont.\n.\n\n\nq\n"
    result = cli("saisir", input=typed)
    assert "[E112] La date « 31/02/2019 » n'existe pas dans le calendrier" in result.stdout
    assert [r["written_on"] for r in entries(cli)] == ["2019-02-12"]


def test_empty_text_abandons_only_that_entry(cli):
    typed = "12/12/2018\nd\n.\n\nd\nDeuxième essai.\n.\n\n\nq\n"
    result = cli("saisir", input=typed)
    assert "Texte vide : contribution abandonnée." in result.stdout
    assert [r["text"] for r in entries(cli)] == ["Deuxième essai."]


def test_correct_the_previous_entry(cli):
    typed = "\n".join(
        [
            "12/12/2018", "d", "Fermeture de la trésorerie", ".", "", "2",
            "c", "14/12/2018", "p", "Rouvrir la trésorerie.", ".", "M. Petit", "",
            "q",
        ]
    )  # fmt: skip
    result = cli("saisir", input=typed + "\n")
    assert "n° 1 corrigée (version 2)" in result.stdout
    [row] = entries(cli)
    assert (row["version"], row["nature"], row["written_on"], row["author"], row["page_number"]) == (
        2, "proposition", "2018-12-14", "M. Petit", 2,
    )  # fmt: skip
    assert row["text"] == "Rouvrir la trésorerie."


def test_end_of_input_ends_the_session(cli):
    result = cli("saisir", input="12/12/2018\nd\nUn texte.\n.\n\n\n")
    assert result.exit_code == 0
    assert len(entries(cli)) == 1


def test_help_and_named_cahier(cli):
    cli("cahier", "ouvrir", "Second cahier")
    result = cli("saisir", "--cahier", "1", input="?\n\nd\nTexte.\n.\n\n\nq\n")
    assert "corriger la contribution précédente" in result.stdout
    assert [r["cahier_id"] for r in entries(cli)] == [1]


@pytest.mark.slow
def test_killed_session_keeps_every_confirmed_entry(folder: Path):
    """Kill -9 after five confirmed entries: all five are there, the database is sound."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "mairie_cli", "--dossier", str(folder), "saisir"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdin and process.stdout
    for i in range(5):
        process.stdin.write(f"12/12/2018\nd\nContribution numéro {i}\n.\nAuteur {i}\n\n".encode())
        process.stdin.flush()
        deadline = time.monotonic() + 30
        line = b""
        while b"enregistr\xc3\xa9e (" not in line:
            assert time.monotonic() < deadline, "no confirmation"
            line = process.stdout.readline()
    # The sixth entry is half typed when the process dies.
    process.stdin.write(b"12/12/2018\nd\nCelle-ci est en cours")
    process.stdin.flush()
    time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    conn = sqlite3.connect(folder / "mairie.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    texts = [r[0] for r in conn.execute("SELECT text FROM contributions ORDER BY position")]
    assert texts == [f"Contribution numéro {i}" for i in range(5)]
    journal = conn.execute("SELECT COUNT(*) FROM journal WHERE action = 'create'").fetchone()[0]
    assert journal == 5
    conn.close()
