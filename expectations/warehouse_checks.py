"""Checks of the whole warehouse after a run's batches are loaded.

    result = check_warehouse(con, run_id)             # after the last commit
    store_results(con, result.results)

Each check is a small SQL query whose answer (a DataFrame: offending rows, or the run's
counts) is validated by a GX expectation of the `warehouse` suite (expectations.suites), so
every result lands in `dq_results` like the batch gate's. The queries aggregate in DuckDB
and return only offenders, so the cost does not grow with the warehouse's size in Python.

- no doc_id twice in documents; no exact duplicate also stored as a document;
- every duplicates row points at an existing document (and near duplicates are documents);
- entities, quotes and cited sources of the run belong to stored documents; entity offsets
  pick the entity text out of the body (warning);
- no two documents share a content hash; every document of the run has paragraphs;
- the run's records_seen = documents + exact duplicates + rejects (by run_id);
- reject and exact-duplicate rates within a band around the median of recent completed
  runs (warning; needs at least MIN_HISTORY earlier runs).

`records_seen` comes from `runs` unless given (call it before `finish_run` by passing the
flow's count, or after `finish_run` without it).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from expectations.results import GateResult, results_table, rows_from_validation, summarize

__all__ = ["check_warehouse", "RATE_HISTORY", "MIN_HISTORY"]

RATE_HISTORY = 10      # recent completed runs the rates are compared with
MIN_HISTORY = 3        # fewer earlier runs: no rate check
RATE_SLACK = 0.10      # allowed distance from the median: max(RATE_SLACK, median)
_EXAMPLES = 5

_RUN_BATCHES = "(SELECT batch_id FROM batches WHERE run_id = $run_id)"
CHILD_TABLES = ("entities", "quotes", "cited_sources")
_MAX_OFFENDERS = 1000


@dataclass(frozen=True)
class _Offenders:
    """A query whose rows break a rule: the rule holds when it returns no row."""

    tables: tuple[str, ...]      # tables it needs (skipped while one is missing)
    sql: str                     # first column: the key shown as an example
    key: str                     # column_name recorded in dq_results


_OFFENDERS = {
    "repeated_doc_ids": _Offenders(
        ("documents",), "SELECT doc_id, count(*) AS n FROM documents GROUP BY doc_id "
        "HAVING count(*) > 1", "doc_id"),
    "exact_duplicates_in_documents": _Offenders(
        ("documents", "duplicates"), "SELECT x.doc_id FROM duplicates x JOIN documents d "
        "USING (doc_id) WHERE x.kind = 'exact'", "doc_id"),
    "orphan_duplicates": _Offenders(
        ("documents", "duplicates"), "SELECT x.doc_id, x.canonical_doc_id FROM duplicates x "
        "WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = x.canonical_doc_id)",
        "canonical_doc_id"),
    "near_duplicates_missing": _Offenders(
        ("documents", "duplicates"), "SELECT x.doc_id FROM duplicates x WHERE x.kind = 'near' "
        "AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = x.doc_id)", "doc_id"),
    "repeated_content_hashes": _Offenders(
        ("documents",), "SELECT content_hash, count(*) AS n FROM documents "
        "GROUP BY content_hash HAVING count(*) > 1", "content_hash"),
    "documents_without_paragraphs": _Offenders(
        ("documents", "paragraphs"), "SELECT d.doc_id FROM documents d WHERE d.run_id = $run_id "
        "AND NOT EXISTS (SELECT 1 FROM paragraphs p WHERE p.doc_id = d.doc_id)", "doc_id"),
    "orphan_child_rows": _Offenders(
        ("documents", "batches"), "", "doc_id"),  # built from the child tables present
    "entity_offsets_off": _Offenders(
        ("documents", "entities", "batches"),
        'SELECT e.doc_id, e.text, e.start, e."end" FROM entities e JOIN documents d USING '
        f"(doc_id) WHERE e.batch_id IN {_RUN_BATCHES} AND substring(d.body, e.start + 1, "
        'e."end" - e.start) IS DISTINCT FROM e.text', "start,end"),
}


def check_warehouse(con: duckdb.DuckDBPyConnection, run_id: str,
                    records_seen: int | None = None) -> GateResult:
    """Run the `warehouse` suite for `run_id`; `passed` is False on a critical failure."""
    import pandas as pd

    from expectations.engine import validate_frame
    from expectations.suites import WAREHOUSE_SUITE, warehouse_expectations

    started = time.perf_counter()
    frames: dict[str, pd.DataFrame] = {}
    totals: dict[str, int] = {}
    columns = _columns(con)
    for name, check in _OFFENDERS.items():
        sql = _orphan_children_sql(columns) if name == "orphan_child_rows" else check.sql
        if not sql or not set(check.tables) <= set(columns):
            continue
        params = {"run_id": run_id} if "$run_id" in sql else {}
        frames[name] = con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL LIMIT {_MAX_OFFENDERS}",
                                   params).df()
        totals[name] = int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])
    accounting = _accounting(con, run_id, records_seen)
    if accounting is not None:
        frames["run_accounting"] = pd.DataFrame([accounting])
    rates, parameters = _rates(con, run_id, accounting)
    if rates is not None:
        frames["run_rates"] = pd.DataFrame([rates])

    from expectations.gx_import import import_great_expectations

    gx = import_great_expectations()
    checked_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    validations: list[Any] = []
    by_frame: dict[str, list[Any]] = {}
    for expectation in warehouse_expectations():
        by_frame.setdefault(expectation.meta["frame"], []).append(expectation)
    for frame_name, expectations in by_frame.items():
        frame = frames.get(frame_name)
        if frame is None:
            continue
        suite = gx.ExpectationSuite(name=f"{WAREHOUSE_SUITE}.{frame_name}",
                                    expectations=expectations)
        result = validate_frame(f"{WAREHOUSE_SUITE}.{frame_name}", frame, suite, parameters)
        result.meta["run_id"] = run_id
        validations.append(result)
        frame_rows = rows_from_validation(result, WAREHOUSE_SUITE, run_id, None, checked_at)
        for row in frame_rows:
            _add_offenders(row, frame_name, frame, totals)
            _describe_counts(row, frame_name, frame, parameters)
        rows += frame_rows
    passed, failures = summarize(rows)
    return GateResult(passed=passed, failures=failures, results=results_table(rows),
                      validations=validations, seconds=time.perf_counter() - started)


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main'").fetchall():
        out.setdefault(table, set()).add(column)
    return out


def _orphan_children_sql(columns: dict[str, set[str]]) -> str:
    """Rows of this run's batches in entities/quotes/cited_sources without their document."""
    return " UNION ALL ".join(
        f"SELECT c.doc_id, '{t}' AS child_table FROM {t} c WHERE c.batch_id IN "
        f"{_RUN_BATCHES} AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = c.doc_id)"
        for t in CHILD_TABLES if {"doc_id", "batch_id"} <= columns.get(t, set()))


def _add_offenders(row: dict[str, Any], frame_name: str, frame: Any,
                   totals: dict[str, int]) -> None:
    """Row-count checks: the offenders are the unexpected rows; name a few of them."""
    if row["expectation"] != "expect_table_row_count_to_equal":
        return
    count = totals.get(frame_name, len(frame))
    row["column_name"] = _OFFENDERS[frame_name].key
    row["unexpected_count"] = count
    row["element_count"] = None
    row["observed_value"] = str(count)
    if count:
        row["details"] = json.dumps([str(v) for v in frame.iloc[:_EXAMPLES, 0]])


def _describe_counts(row: dict[str, Any], frame_name: str, frame: Any,
                     parameters: dict[str, float]) -> None:
    """One-row frames: say the numbers compared instead of '0 of 1 unexpected'."""
    if frame_name == "run_accounting":
        a = frame.iloc[0]
        row["observed_value"] = (f"records_seen {a.records_seen}; documents {a.documents} + "
                                 f"exact duplicates {a.exact_duplicates} + rejects {a.rejects}"
                                 f" = {a.accounted}")
        row["unexpected_count"] = abs(int(a.records_seen) - int(a.accounted))
        row["element_count"] = row["details"] = None
    elif frame_name == "run_rates":
        name = row["column_name"]
        value = float(frame.iloc[0][name])
        median = float(frame.iloc[0][f"{name}_median"])
        row["observed_value"] = (f"{value:.3f} (median of recent runs {median:.3f}, allowed "
                                 f"{parameters[name + '_min']:.3f}-{parameters[name + '_max']:.3f})")
        row["unexpected_count"] = 0 if row["success"] else 1
        row["element_count"] = row["details"] = None


def _accounting(con: duckdb.DuckDBPyConnection, run_id: str,
                records_seen: int | None) -> dict[str, Any] | None:
    row = con.execute("SELECT records_seen FROM runs WHERE run_id = ?", [run_id]).fetchone()
    if records_seen is None:
        records_seen = row[0] if row else None
    if records_seen is None:
        return None
    documents, exact, rejects = con.execute(
        "SELECT (SELECT count(*) FROM documents WHERE run_id = $r),"
        " (SELECT count(*) FROM duplicates WHERE run_id = $r AND kind = 'exact'),"
        " (SELECT count(*) FROM rejects WHERE run_id = $r)", {"r": run_id}).fetchone()
    return {"records_seen": int(records_seen), "documents": documents,
            "exact_duplicates": exact, "rejects": rejects,
            "accounted": documents + exact + rejects}


def _rates(con: duckdb.DuckDBPyConnection, run_id: str,
           accounting: dict[str, Any] | None) -> tuple[dict[str, float] | None, dict[str, float]]:
    if not accounting or not accounting["records_seen"]:
        return None, {}
    history = con.execute(
        "SELECT rejects / records_seen, duplicates / records_seen FROM runs "
        "WHERE status = 'completed' AND run_id <> ? AND records_seen > 0 "
        "AND rejects IS NOT NULL AND duplicates IS NOT NULL "
        "ORDER BY started_at DESC LIMIT ?", [run_id, RATE_HISTORY]).fetchall()
    if len(history) < MIN_HISTORY:
        return None, {}
    n = accounting["records_seen"]
    rates = {"reject_rate": accounting["rejects"] / n,
             "duplicate_rate": accounting["exact_duplicates"] / n}
    parameters: dict[str, float] = {}
    for i, name in enumerate(("reject_rate", "duplicate_rate")):
        median = statistics.median(float(h[i]) for h in history)
        slack = max(RATE_SLACK, median)
        parameters[f"{name}_min"] = max(0.0, median - slack)
        parameters[f"{name}_max"] = min(1.0, median + slack)
        rates[f"{name}_median"] = median
    return rates, parameters
