import sqlite3
from datetime import date
from pathlib import Path

import pytest

from mairie_cli.errors import (
    AmbiguousId,
    DatabaseCorrupt,
    DatabaseTooNew,
    DeletedContribution,
    EmptyText,
    InvalidQuery,
    UnknownCahier,
    UnknownContribution,
    WorkspaceConflict,
    WorkspaceNotFound,
)
from mairie_cli.models import Nature, NewContribution, Source
from mairie_cli.services.commune.register import Register
from mairie_cli.storage.commune.search import build_fts_query


def test_init_creates_layout_and_is_idempotent(tmp_path: Path):
    folder = tmp_path / "commune"
    register, result = Register.init(folder, "01001", "L'Abergement")
    with register:
        assert result.created
        register.open_cahier("Cahier 1")
        register.add(NewContribution(text="Garder l'école."))
    for name in ("mairie.db", "scans", "exports"):
        assert (folder / name).exists()
    again, result = Register.init(folder, "01001")
    with again:
        assert not result.created
        assert again.commune.name == "L'Abergement-Clémenciat"  # the official name, filled in
        assert [c.text for c in again.contributions()] == ["Garder l'école."]


def test_init_refuses_another_commune(folder: Path):
    with pytest.raises(WorkspaceConflict) as error:
        Register.init(folder, "01002")
    assert "appartient déjà à la commune 01001" in error.value.message
    assert "mairie config commune 01002" in error.value.message


def test_open_missing_workspace(tmp_path: Path):
    with pytest.raises(WorkspaceNotFound) as error:
        Register.open(tmp_path)
    assert "mairie init --commune" in error.value.message


def test_wal_and_full_sync(register: Register):
    assert register.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert register.db.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_add_correct_delete_keep_history(register: Register):
    saved = register.add(
        NewContribution(
            text="Rouvrir la poste",
            nature=Nature.PROPOSITION,
            written_on=date(2018, 12, 12),
            author="Jean",
            page_number=3,
        )
    )
    assert (saved.version, saved.position, saved.source) == (1, 1, Source.TYPED)
    corrected = register.correct(saved.uuid, text="Rouvrir le bureau de poste")
    assert corrected is not None and corrected.version == 2
    assert register.correct(saved.uuid, text="Rouvrir le bureau de poste") is None
    deleted = register.delete(saved.uuid[:6])
    assert deleted.deleted and deleted.version == 3
    assert list(register.contributions()) == []
    assert [c.uuid for c in register.contributions(include_deleted=True)] == [saved.uuid]
    history = register.history(saved.uuid)
    assert [h["action"] for h in history] == ["create", "update", "delete"]
    assert history[1]["before"]["text"] == "Rouvrir la poste"
    assert history[1]["after"]["text"] == "Rouvrir le bureau de poste"
    assert all(h["actor"] == "secretaire" for h in history)
    with pytest.raises(DeletedContribution):
        register.correct(saved.uuid, text="encore")
    with pytest.raises(DeletedContribution):
        register.delete(saved.uuid)


def test_journal_is_append_only(register: Register):
    register.add(NewContribution(text="texte"))
    with pytest.raises(sqlite3.IntegrityError):
        register.db.execute("UPDATE journal SET actor = 'x'")
    with pytest.raises(sqlite3.IntegrityError):
        register.db.execute("DELETE FROM journal")


def test_empty_text_and_unknown_cahier(register: Register):
    with pytest.raises(EmptyText):
        register.add(NewContribution(text="  \n "))
    with pytest.raises(UnknownCahier) as error:
        register.add(NewContribution(text="x"), cahier_id=9)
    assert error.value.message.startswith("Il n'y a pas de cahier n° 9")


def test_no_open_cahier(tmp_path: Path):
    register, _ = Register.init(tmp_path / "w", "01001")
    with register, pytest.raises(UnknownCahier) as error:
        register.add(NewContribution(text="x"))
    assert "mairie cahier ouvrir" in error.value.message


def test_closed_cahier_is_not_the_default(register: Register):
    register.open_cahier("Second")
    register.close_cahier(2, date(2019, 3, 1))
    assert register.cahier().id == 1


def test_id_prefixes(register: Register, monkeypatch: pytest.MonkeyPatch):
    import uuid

    fixed = iter(
        uuid.UUID(u)
        for u in (
            "abcd1234-0000-4000-8000-000000000001",
            "abcd1299-0000-4000-8000-000000000002",
            "ef001234-0000-4000-8000-000000000003",
        )
    )
    monkeypatch.setattr("mairie_cli.services.commune.rows.uuid_module.uuid4", lambda: next(fixed))
    for i in range(3):
        register.add(NewContribution(text=f"texte {i}"))
    assert register.get("ef00").text == "texte 2"
    assert register.get("ABCD1234-0").text == "texte 0"
    assert register.get("abcd1234-0000-4000-8000-000000000001").text == "texte 0"
    with pytest.raises(AmbiguousId) as error:
        register.get("abcd12")
    assert "abcd1234-000, abcd1299-000" in error.value.message
    with pytest.raises(UnknownContribution) as unknown:
        register.get("abc")
    assert "au moins 4 caractères" in unknown.value.message
    with pytest.raises(UnknownContribution):
        register.get("ffff")
    with pytest.raises(UnknownContribution):
        register.get("zzzz")


def test_search_ignores_accents_and_case(register: Register):
    register.add(NewContribution(text="Les déserts médicaux gagnent la campagne."))
    register.add(NewContribution(text="Le désert commercial du bourg."))
    gone = register.add(NewContribution(text="Déserts médicaux, encore."))
    register.delete(gone.uuid)
    result = register.search("deserts MEDICAUX")
    assert result.total == 1
    contribution, snippet = result.hits[0]
    assert contribution.text.startswith("Les déserts médicaux")
    assert "\x02déserts\x03" in snippet
    assert register.search("désert*").total == 2
    assert register.search('"medicaux gagnent"').total == 1
    assert register.search("l'école OR (").total == 0  # FTS syntax is never passed through


def test_build_fts_query():
    assert build_fts_query('deserts "bureau de poste" ecol*') == (
        '"deserts" AND "bureau de poste" AND "ecol"*'
    )
    with pytest.raises(InvalidQuery):
        build_fts_query(' " ** ')


def test_state_counts(register: Register):
    register.add(NewContribution(text="a", nature=Nature.PROPOSITION))
    register.add(NewContribution(text="b"))
    deleted = register.add(NewContribution(text="c"))
    register.delete(deleted.uuid)
    from mairie_cli.services.commune.status import status

    state = status(register).to_dict()
    assert state["total"] == 2
    assert state["deleted"] == 1
    assert state["natures"] == {"doleance": 1, "proposition": 1, "autre": 0}
    assert state["sources"] == {"saisie": 2, "import": 0, "ocr": 0}
    assert state["cahiers"][0]["count"] == 2


def test_corrupt_database_is_reported_and_untouched(folder: Path):
    db = folder / "mairie.db"
    for extra in ("mairie.db-wal", "mairie.db-shm"):
        (folder / extra).unlink(missing_ok=True)
    db.write_bytes(b"ceci n'est pas une base" * 100)
    before = db.read_bytes()
    with pytest.raises(DatabaseCorrupt) as error:
        Register.open(folder)
    assert "endommagée" in error.value.message
    assert db.read_bytes() == before


def test_foreign_sqlite_file(tmp_path: Path):
    folder = tmp_path / "w"
    folder.mkdir()
    conn = sqlite3.connect(folder / "mairie.db")
    conn.execute("CREATE TABLE clients (nom TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseCorrupt) as error:
        Register.open(folder)
    assert "n'appartient pas à mairie" in error.value.message


def test_database_from_newer_version(folder: Path):
    conn = sqlite3.connect(folder / "mairie.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DatabaseTooNew) as error:
        Register.open(folder)
    assert "version plus récente" in error.value.message
