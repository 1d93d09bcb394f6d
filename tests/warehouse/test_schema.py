"""Schema versions: an older warehouse is migrated in place, a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.corpus import write_corpus
from tests.warehouse.test_loader import load, rows
from warehouse.loader import Warehouse, connect_read_only
from warehouse.schema import SCHEMA_VERSION, SchemaError

V1_SCHEMA = Path(__file__).parent / "fixtures" / "schema_v1.sql"


def make_v1_warehouse(path: Path) -> None:
    """A warehouse as the first published schema wrote it, with one ledger row."""
    con = duckdb.connect(str(path))
    con.execute(V1_SCHEMA.read_text())
    con.execute("INSERT INTO schema_info VALUES ('version', '1')")
    con.execute("INSERT INTO raw_files VALUES ('/old/a.txt', 'h1', 10, 1.0, 'txt', 1, 'r0', "
                "'r0', 'b0')")
    con.close()


def test_v1_warehouse_is_migrated_in_place_and_keeps_its_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    make_v1_warehouse(db)
    write_corpus(tmp_path / "src")
    totals = load(tmp_path / "src", db)
    assert totals["documents"] == 4
    assert rows(db, "SELECT value FROM schema_info WHERE key = 'version'") == [
        (str(SCHEMA_VERSION),)]
    assert rows(db, "SELECT relpath FROM raw_files WHERE uri = '/old/a.txt'") == [("a.txt",)]
    assert rows(db, "SELECT count(*) FROM entities") != [(0,)]


def test_read_only_open_migrates_an_old_warehouse_first(tmp_path):
    db = tmp_path / "w.duckdb"
    make_v1_warehouse(db)
    con = connect_read_only(db)
    assert con.execute("SELECT count(*) FROM raw_files WHERE relpath IS NOT NULL").fetchone() \
        == (1,)
    con.close()


def test_newer_warehouse_is_refused_with_a_clear_message(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.db.execute("UPDATE schema_info SET value = '99' WHERE key = 'version'")
    with pytest.raises(SchemaError, match="newer than this warta"):
        Warehouse(db).open()
    with pytest.raises(SchemaError, match="upgrade warta"):
        connect_read_only(db)
