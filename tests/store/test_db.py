"""The garden file: identity, migrations, append-only events, transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import file_digest

from kgarden.errors import GardenNotFoundError, NotAGardenError, SchemaVersionError
from kgarden.garden import Garden
from kgarden.store.db import APPLICATION_ID, connect, migrations, transaction


def test_new_garden_records_its_migrations(tmp_path: Path) -> None:
    conn = connect(tmp_path / "g.db", create=True)
    rows = conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows == [(v, n) for v, n, _ in migrations()]
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations()[-1][0]
    conn.close()


def test_opening_a_current_garden_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    Garden.create(path).close()
    digest = file_digest(path)
    Garden.open(path).close()
    assert file_digest(path) == digest


def test_missing_garden_is_not_created_by_readers(tmp_path: Path) -> None:
    with pytest.raises(GardenNotFoundError):
        Garden.open(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize("content", [b"hello, this is a text file\n" * 50, b"\x00\x01" * 4000])
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(NotAGardenError, match="not an SQLite database"):
        Garden.open(path)
    with pytest.raises(NotAGardenError):
        Garden.create(path)
    assert path.read_bytes() == content


def test_another_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE t(x)")
    other.commit()
    other.close()
    digest = file_digest(path)
    with pytest.raises(NotAGardenError, match="another SQLite database"):
        Garden.create(path)
    assert file_digest(path) == digest


def test_a_garden_from_a_newer_kgarden_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    conn = connect(path, create=True)
    conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'later')")
    conn.close()
    with pytest.raises(SchemaVersionError, match="newer"):
        Garden.open(path)


def test_events_are_append_only(tmp_path: Path) -> None:
    conn = connect(tmp_path / "g.db", create=True)
    conn.execute("INSERT INTO events(at, actor, action, target_kind, target)"
                 " VALUES ('t', 'ana', 'reject', 'relation', 'k')")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET actor = 'bob'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    assert conn.execute("SELECT actor FROM events").fetchall() == [("ana",)]
    conn.close()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    conn = connect(tmp_path / "g.db", create=True)
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO meta VALUES ('a', '1')")
        with transaction(conn):  # nested: a savepoint inside the outer transaction
            conn.execute("INSERT INTO meta VALUES ('b', '2')")
        raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 0
    conn.close()
