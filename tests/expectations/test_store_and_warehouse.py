"""dq_results in a real DuckDB file, and the checks of the warehouse after a load."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from expectations.gate import check_batch
from expectations.store import store_results
from expectations.warehouse_checks import MIN_HISTORY, check_warehouse
from tests.expectations.conftest import REFERENCE, write_quality_corpus
from tests.warehouse.test_loader import load
from warehouse.loader import Warehouse


@pytest.fixture
def loaded(tmp_path):
    expected = write_quality_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    totals = load(tmp_path / "src", db, run_id="run-1")
    assert totals == expected
    return db


def test_dq_results_rows_land_in_a_real_duckdb_file(gx_ready, good_batch, tmp_path):
    db = tmp_path / "w.duckdb"
    result = check_batch(good_batch, "run-1", "run-1-00000", REFERENCE)
    hostile = result.results.to_pylist()[0]
    hostile.update(details=json.dumps(["'); DROP TABLE documents; --", "<b>x</b>"]),
                   success=False)
    with Warehouse(db) as wh:  # opening applies warehouse/sql/*.sql, 050 included
        assert store_results(wh.db, result.results) == result.results.num_rows
        from expectations.results import results_table

        store_results(wh.db, results_table([hostile]))
    con = duckdb.connect(str(db), read_only=True)
    try:
        n, failed, suites = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT success), list(DISTINCT suite ORDER BY "
            "suite) FROM dq_results WHERE run_id = 'run-1'").fetchone()
        assert n == result.results.num_rows + 1 and failed == 1
        assert set(suites) == {r["suite"] for r in result.results.to_pylist()}
        assert {"documents", "paragraphs", "raw_files", "rejects"} <= set(suites)
        details = con.execute("SELECT details FROM dq_results WHERE NOT success").fetchone()[0]
        assert json.loads(details)[0] == "'); DROP TABLE documents; --"
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 0  # still there
        row = con.execute(
            "SELECT suite, expectation, column_name, severity, success, observed_value, "
            "unexpected_count, element_count, checked_at FROM dq_results WHERE suite = "
            "'documents' AND expectation = 'expect_column_values_to_be_unique'").fetchone()
        assert row[:5] == ("documents", "expect_column_values_to_be_unique", "doc_id",
                           "critical", True)
        assert row[6] == 0 and row[7] == good_batch["documents"].num_rows
        assert row[8].tzinfo is not None
    finally:
        con.close()


def test_warehouse_checks_pass_on_a_clean_load(gx_ready, loaded):
    with Warehouse(loaded) as wh:
        result = check_warehouse(wh.db, "run-1")
        assert result.passed, result.failures
        assert result.failures == []
        store_results(wh.db, result.results)
        rows = wh.db.execute("SELECT description, observed_value, batch_id FROM dq_results "
                             "WHERE suite = 'warehouse'").fetchall()
    described = {d: o for d, o, _ in rows}
    assert all(b is None for _, _, b in rows)
    assert described["the run's records = documents + exact duplicates + rejects"] == (
        "records_seen 15; documents 5 + exact duplicates 4 + rejects 6 = 15")
    assert described["every duplicates row points at an existing document"] == "0"


def test_broken_warehouse_fails_critically(gx_ready, loaded):
    with Warehouse(loaded) as wh:
        con = wh.db
        con.execute("INSERT INTO duplicates VALUES ('orphan0000000000000000000', 'x.txt', 0, "
                    "'missing000000000000000000', 'exact', 1.0, 'run-1', 'run-1-00000')")
        con.execute("UPDATE runs SET records_seen = records_seen + 2 WHERE run_id = 'run-1'")
        doc_id = con.execute("SELECT min(doc_id) FROM documents").fetchone()[0]
        con.execute("INSERT INTO entities (doc_id, kind, text, start, \"end\", batch_id) VALUES "
                    "('ghost0000000000000000000', 'person', 'Joko', 0, 4, 'run-1-00000'), "
                    "(?, 'person', 'Tidak Ada', 0, 9, 'run-1-00000')", [doc_id])
        result = check_warehouse(con, "run-1")
    assert not result.passed
    text = "\n".join(result.critical_failures)
    assert "every duplicates row points at an existing document" in text
    assert "missing000000000000000000" in text or "orphan0000000000000000000" in text
    assert "the run's records = documents + exact duplicates + rejects" in text
    assert "records_seen 17" in text
    assert "every entity, quote and cited source of the run belongs to a stored document" in text
    assert "ghost0000000000000000000" in text
    warnings = "\n".join(result.warnings)
    assert "each entity's offsets pick its text out of the body (1 found" in warnings


def test_records_seen_can_be_given_before_finish_run(gx_ready, loaded):
    with Warehouse(loaded) as wh:
        assert check_warehouse(wh.db, "run-1", records_seen=15).passed
        assert not check_warehouse(wh.db, "run-1", records_seen=14).passed


def test_rates_far_from_recent_runs_warn_but_pass(gx_ready, loaded):
    with Warehouse(loaded) as wh:
        con = wh.db
        start = datetime.now(UTC) - timedelta(days=10)
        for i in range(MIN_HISTORY + 1):  # earlier runs: 1% rejects, no duplicates
            con.execute("INSERT INTO runs (run_id, source, started_at, status, records_seen, "
                        "documents, duplicates, rejects) VALUES (?, 's', ?, 'completed', 1000, "
                        "990, 0, 10)", [f"old-{i}", start + timedelta(days=i)])
        result = check_warehouse(con, "run-1")
    assert result.passed, result.critical_failures
    warnings = "\n".join(result.warnings)
    assert "reject rate is near the median of recent runs" in warnings
    assert "exact-duplicate rate is near the median" in warnings
    assert "median of recent runs 0.010" in warnings
