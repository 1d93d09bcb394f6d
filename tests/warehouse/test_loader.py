"""The loader on real DuckDB files: accounting, dedupe against history, ledger, rebuild."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from tests.corpus import ARTICLES, article_text, write_corpus
from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.sources import list_source
from warehouse.loader import Warehouse, rebuild_warehouse
from warehouse.lock import WarehouseBusy

CONFIG = WartaConfig(batch_size=4)


def load(source: Path, db: Path, run_id: str = "run-1", config: WartaConfig = CONFIG) -> dict:
    """Process and commit every file as the flow does, without Prefect."""
    totals = {"records": 0, "documents": 0, "duplicates": 0, "rejects": 0}
    with Warehouse(db) as wh:
        wh.start_run(run_id, str(source), datetime.now(UTC))
        known = wh.known_versions()
        files = [f for f in list_source(str(source))
                 if known.get(f.uri) != (f.size, f.mtime)]
        for seq, start in enumerate(range(0, len(files), 3)):
            batch_id = f"{run_id}-{seq:05d}"
            staged = process_batch(batch_id, files[start:start + 3], wh.staging_dir(batch_id),
                                   BatchContext(config, datetime.now(UTC)))
            result = wh.commit_batch(staged, run_id)
            for key in totals:
                totals[key] += getattr(result, key)
        wh.finish_run(run_id, totals, "completed")
    return totals


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Table contents without run-specific columns: what must match after crash + rerun."""
    return {
        "documents": rows(db, "SELECT doc_id, source_uri, record_index, title, body, "
                              "content_hash, n_paragraphs, n_repeated_paragraphs FROM documents "
                              "ORDER BY doc_id"),
        "paragraphs": rows(db, "SELECT * FROM paragraphs ORDER BY doc_id, position"),
        "duplicates": rows(db, "SELECT doc_id, source_uri, record_index, canonical_doc_id, kind "
                               "FROM duplicates ORDER BY doc_id"),
        "rejects": rows(db, "SELECT source_uri, record_index, reason FROM rejects "
                            "ORDER BY source_uri, record_index"),
        "raw_files": rows(db, "SELECT uri, relpath, content_hash, size, n_records FROM raw_files "
                              "ORDER BY uri"),
    }


def test_every_record_is_accounted_for(tmp_path):
    expected = write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    totals = load(tmp_path / "src", db)
    assert totals == expected
    reasons = dict(rows(db, "SELECT reason, count(*) FROM rejects GROUP BY 1"))
    assert reasons == {"empty": 1, "binary": 1, "too_short": 1, "unsupported_format": 1,
                       "no_body": 1, "malformed_record": 1}
    counts = rows(db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM duplicates),"
                      " (SELECT count(*) FROM rejects), (SELECT sum(n_records) FROM raw_files)")
    documents, duplicates, rejects, ledger_records = counts[0]
    assert documents + duplicates + rejects == ledger_records == expected["records"]


def test_failed_commit_rolls_back_and_frees_its_temp_tables(tmp_path):
    """The load fails inside its transaction: nothing of the batch is loaded, its staged
    rows leave memory, the error is the loader's own, and committing again works."""
    expected = write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))

    def failing_hook(con, batch_id, run_id):
        raise RuntimeError("hook failed")

    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.start_run("run-1", str(tmp_path / "src"), datetime.now(UTC))
        staged = process_batch("run-1-00000", files, wh.staging_dir("run-1-00000"),
                               BatchContext(CONFIG, datetime.now(UTC)))
        wh.add_after_insert_hook(failing_hook)
        with pytest.raises(RuntimeError, match="hook failed"):
            wh.commit_batch(staged, "run-1")
        temporary = wh.db.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()
        assert temporary == []
        assert wh.db.execute("SELECT count(*) FROM documents").fetchone() == (0,)
        assert wh.db.execute("SELECT count(*) FROM raw_files").fetchone() == (0,)
        wh._after_insert_hooks.remove(failing_hook)
        result = wh.commit_batch(staged, "run-1")
    assert (result.records, result.documents) == (expected["records"], expected["documents"])


def test_same_article_in_four_encodings_is_one_document(tmp_path):
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "src", db)
    [(canonical, body)] = rows(db, "SELECT doc_id, body FROM documents "
                                   "WHERE source_uri LIKE '%beras.txt'")
    dupes = rows(db, "SELECT source_uri, canonical_doc_id FROM duplicates "
                     "WHERE source_uri LIKE '%beras_%' ORDER BY 1")
    assert [Path(u).name for u, _ in dupes] == ["beras_bom.txt", "beras_cp1252.txt",
                                                "beras_utf16.txt"]
    assert {c for _, c in dupes} == {canonical}
    assert "\u201cKami" in body and "\u2014" in body


def test_rerun_adds_nothing(tmp_path):
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "src", db, "run-1")
    before = snapshot(db)
    totals = load(tmp_path / "src", db, "run-2")
    assert totals == {"records": 0, "documents": 0, "duplicates": 0, "rejects": 0}
    assert snapshot(db) == before


def test_changed_file_is_a_new_version_and_unchanged_body_a_duplicate(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    path = src / "a.txt"
    path.write_text(article_text("gandum"))
    db = tmp_path / "w.duckdb"
    load(src, db, "run-1")
    path.write_text(article_text("gandum") + "\n")  # new bytes, same cleaned body
    totals = load(src, db, "run-2")
    assert totals["duplicates"] == 1 and totals["documents"] == 0
    path.write_text(article_text("timnas"))
    totals = load(src, db, "run-3")
    assert totals["documents"] == 1
    assert rows(db, "SELECT count(*) FROM raw_files WHERE uri LIKE '%a.txt'") == [(3,)]
    assert rows(db, "SELECT count(*) FROM documents") == [(2,)]


def test_exact_duplicate_across_runs_points_at_earliest(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "1.txt").write_text(article_text("banjir"))
    db = tmp_path / "w.duckdb"
    load(src, db, "run-1")
    (src / "2.txt").write_text(article_text("banjir").replace("\n\n", "\n\nAdvertisement\n\n", 1))
    load(src, db, "run-2")
    [(dup_uri, canonical)] = rows(db, "SELECT source_uri, canonical_doc_id FROM duplicates")
    [(doc_id,)] = rows(db, "SELECT doc_id FROM documents")
    assert dup_uri.endswith("2.txt") and canonical == doc_id


def test_doc_ids_are_stable_across_locations(tmp_path):
    write_corpus(tmp_path / "a" / "src")
    write_corpus(tmp_path / "b" / "elsewhere")
    load(tmp_path / "a" / "src", tmp_path / "a.duckdb")
    load(tmp_path / "b" / "elsewhere", tmp_path / "b.duckdb")
    sql = "SELECT doc_id FROM documents ORDER BY doc_id"
    assert rows(tmp_path / "a.duckdb", sql) == rows(tmp_path / "b.duckdb", sql)


def test_rebuild_from_lake_gives_the_same_tables(tmp_path):
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "src", db, "run-1")
    (tmp_path / "src" / "new.txt").write_text(article_text("timnas", title=False))
    load(tmp_path / "src", db, "run-2")
    before = snapshot(db)
    db.unlink()
    assert rebuild_warehouse(db) >= 2
    assert snapshot(db) == before
    assert rows(db, "SELECT count(*) FROM runs") == [(2,)]


def test_second_writer_fails_fast(tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db), pytest.raises(WarehouseBusy, match="another warta process"):
        Warehouse(db).open()


def test_uncommitted_lake_files_are_removed_on_open(tmp_path):
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "src", db)
    orphan = db.with_name("w.lake") / "documents" / "dead-run-00000.parquet"
    orphan.write_bytes(b"partial")
    with Warehouse(db):
        pass
    assert not orphan.exists()


def test_titles_from_record_and_first_line(tmp_path):
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "src", db)
    titles = dict(rows(db, "SELECT title, title_source FROM documents"))
    assert titles[ARTICLES["beras"][0]] == "first_line"
    assert titles[ARTICLES["timnas"][0]] == "record"


def test_a_record_lost_between_staging_and_load_fails_the_commit(tmp_path):
    """The batch task staged N records; if fewer come out as documents, duplicates, rejects
    or records of already-known files, the batch is not committed (nothing half-loaded)."""
    import pyarrow.parquet as pq

    from warehouse.loader import WarehouseError

    write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.start_run("run-1", str(tmp_path / "src"), datetime.now(UTC))
        staged = process_batch("run-1-00000", files, wh.staging_dir("run-1-00000"),
                               BatchContext(CONFIG, datetime.now(UTC)))
        documents = pq.read_table(staged.path("documents"))
        pq.write_table(documents.slice(1), staged.path("documents"))  # one record vanishes
        with pytest.raises(WarehouseError, match=f"{staged.n_records} records staged"):
            wh.commit_batch(staged, "run-1")
        assert wh.db.execute("SELECT count(*) FROM documents").fetchone() == (0,)
        assert wh.db.execute("SELECT count(*) FROM batches").fetchone() == (0,)
    lake = tmp_path / "w.lake"  # nothing a later `warta rebuild` could replay
    assert [p.name for p in lake.rglob("run-1-00000.parquet*")] == []


def test_records_of_files_already_loaded_are_counted_as_known(tmp_path):
    """The same files staged twice (two batches before either commits): the second commit
    loads nothing and accounts for every staged record as already known."""
    expected = write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.start_run("run-1", str(tmp_path / "src"), datetime.now(UTC))
        first, second = (process_batch(b, files, wh.staging_dir(b),
                                       BatchContext(CONFIG, datetime.now(UTC)))
                         for b in ("run-1-00000", "run-1-00001"))
        assert wh.commit_batch(first, "run-1").records == expected["records"]
        again = wh.commit_batch(second, "run-1")
    assert (again.records, again.records_already_known) == (0, second.n_records)
    assert second.n_records == expected["records"]


def test_a_file_back_at_an_earlier_version_is_known_by_its_latest_read(tmp_path):
    """v1 -> v2 -> v1 again: the ledger row of v1 is updated in place; the next run must
    see the file as unchanged (not read it again on every run)."""
    import os

    src = tmp_path / "src"
    src.mkdir()
    path = src / "a.txt"
    db = tmp_path / "w.duckdb"
    for run, (key, mtime) in enumerate([("gandum", 1_000_000), ("timnas", 2_000_000),
                                        ("gandum", 3_000_000)]):
        path.write_text(article_text(key))
        os.utime(path, (mtime, mtime))
        load(src, db, f"run-{run}")
    current = (path.stat().st_size, 3_000_000.0)
    with Warehouse(db) as wh:
        assert wh.known_versions()[str(path)] == current  # so the next run skips it
        assert wh.known_versions([str(path), "elsewhere.txt"]) == {str(path): current}
    assert rows(db, "SELECT count(*) FROM raw_files") == [(2,)]


def test_rebuild_under_a_folder_named_like_a_glob(tmp_path):
    """Lake files are read by name: '[2024]' in a folder name is not a pattern."""
    home = tmp_path / "Proyek [2024] *"
    write_corpus(home / "src")
    db = home / "w.duckdb"
    load(home / "src", db, "run-1")
    before = snapshot(db)
    db.unlink()
    assert rebuild_warehouse(db) >= 1
    assert snapshot(db) == before


def test_a_committed_batch_whose_staging_cannot_be_removed_still_counts(tmp_path, monkeypatch,
                                                                        caplog):
    """Removing staging comes after COMMIT: its failure (a flaky object store) is logged, the
    batch stays committed, and the next open removes the leftovers."""
    import warehouse.loader as loader

    expected = write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))

    def flaky(location):
        raise OSError("connection reset")

    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.start_run("run-1", str(tmp_path / "src"), datetime.now(UTC))
        staged = process_batch("run-1-00000", files, wh.staging_dir("run-1-00000"),
                               BatchContext(CONFIG, datetime.now(UTC)))
        monkeypatch.setattr(loader, "remove_tree", flaky)
        result = wh.commit_batch(staged, "run-1")
        monkeypatch.undo()
    assert result.records == expected["records"]
    assert "staging files stay" in caplog.text
    assert Path(staged.directory).exists()
    with Warehouse(tmp_path / "w.duckdb"):
        pass
    assert not Path(staged.directory).exists()
    assert rows(tmp_path / "w.duckdb", "SELECT count(*) FROM documents") == [
        (expected["documents"],)]


def test_rows_written_with_a_batch_share_its_transaction(tmp_path):
    """`also` (the flow stores the batch's gate results there) commits with the batch and
    rolls back with it."""
    write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))

    def note(con):
        con.execute("INSERT INTO notes VALUES ('seen')")

    def note_then_fail(con):
        note(con)
        raise RuntimeError("after the batch's rows")

    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.db.execute("CREATE TABLE notes (text VARCHAR)")
        wh.start_run("run-1", str(tmp_path / "src"), datetime.now(UTC))
        first = process_batch("run-1-00000", files[:2], wh.staging_dir("run-1-00000"),
                              BatchContext(CONFIG, datetime.now(UTC)))
        with pytest.raises(RuntimeError, match="after the batch's rows"):
            wh.commit_batch(first, "run-1", also=note_then_fail)
        assert wh.db.execute("SELECT count(*) FROM notes").fetchone() == (0,)
        assert wh.db.execute("SELECT count(*) FROM batches").fetchone() == (0,)
        result = wh.commit_batch(first, "run-1", also=note)
        assert wh.db.execute("SELECT count(*) FROM notes").fetchone() == (1,)
        assert result.records == first.n_records
