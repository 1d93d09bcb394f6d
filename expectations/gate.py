"""The batch gate: run each table's suite on a batch's rows before they are loaded.

    gate = check_batch(tables, run_id, batch_id, reference_time)
    store_results(con, gate.results)          # always: warnings and failures alike
    if not gate.passed:                       # a critical expectation failed
        ... keep the batch out of the warehouse; gate.failures says why ...

`tables` maps table names ('documents', 'paragraphs', 'entities', 'quotes', 'cited_sources',
'duplicates', 'rejects', 'raw_files'; the staged 'files' counts as 'raw_files') to pyarrow Tables with the columns of
warehouse/sql/001_core.sql; any table or column may be missing (features land over time) and
only the expectations whose columns are present run. `staged_tables(staged)` and
`lake_tables(lake, batch_id)` read a batch's rows from its staging or lake Parquet files.

Great Expectations is imported on the first call, not at import time (it costs ~10 s).
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.results import GateResult, results_table, rows_from_validation, summarize

__all__ = ["check_batch", "staged_tables", "lake_tables", "warm_up"]

_DERIVED = {"doc_in_batch": True, "points_to_itself": False,  # column: the good value
            "offsets_match_body": True}
CHILD_TABLES = ("paragraphs", "entities", "quotes", "cited_sources")
GATE_TABLES = ("documents", *CHILD_TABLES, "duplicates", "rejects", "raw_files")
_ALIASES = {"files": "raw_files"}
_COLUMN_ALIASES = {"entities": {"entity_kind": "kind", "label": "kind", "start_char": "start",
                                "end_char": "end", "country": "country_code"}}


def check_batch(tables: dict[str, pa.Table], run_id: str, batch_id: str,
                reference_time: datetime | None = None) -> GateResult:
    """Validate one batch; `passed` is False when any critical expectation failed."""
    from expectations.engine import validate_frame
    from expectations.suites import batch_parameters, suite_columns, suite_for

    started = time.perf_counter()
    tables = {_ALIASES.get(k, k): v for k, v in tables.items() if v is not None}
    parameters = batch_parameters(reference_time)
    documents = tables.get("documents")
    doc_ids = _doc_ids(documents)
    checked_at = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    validations: list[Any] = []
    for name in GATE_TABLES:
        table = tables.get(name)
        if table is None or table.num_rows == 0:
            continue
        table = _rename(table, _COLUMN_ALIASES.get(name, {}))
        frame = _frame(table, suite_columns(name), name, doc_ids, documents)
        suite = suite_for(name, frozenset(frame.columns))
        result = validate_frame(name, frame, suite, parameters)
        result.meta["batch_id"] = batch_id
        result.meta["run_id"] = run_id
        validations.append(result)
        suite_rows = rows_from_validation(result, name, run_id, batch_id, checked_at)
        _name_offending_docs(suite_rows, frame, table)
        rows += suite_rows
    passed, failures = summarize(rows)
    return GateResult(passed=passed, failures=failures, results=results_table(rows),
                      validations=validations, seconds=time.perf_counter() - started)


def _name_offending_docs(rows: list[dict[str, Any]], frame: Any, table: pa.Table) -> None:
    """Derived boolean columns: show the doc_ids of the failing rows, not 'false'."""
    for row in rows:
        column = row["column_name"]
        if row["success"] or column not in _DERIVED or "doc_id" not in frame.columns:
            continue
        bad = frame[column] != _DERIVED[column]
        ids = frame.loc[bad, "doc_id"].drop_duplicates().head(5).astype(str).tolist()
        row["details"] = json.dumps(ids) if ids else None


def _doc_ids(documents: pa.Table | None) -> pa.Array | None:
    if documents is None or "doc_id" not in documents.column_names:
        return None
    return pc.unique(documents.column("doc_id").combine_chunks())


def _rename(table: pa.Table, aliases: dict[str, str]) -> pa.Table:
    if not any(a in table.column_names for a in aliases):
        return table
    names = [aliases.get(c, c) if aliases.get(c, c) not in table.column_names else c
             for c in table.column_names]
    return table.rename_columns(names)


def _frame(table: pa.Table, wanted: set[str], name: str, doc_ids: pa.Array | None,
           documents: pa.Table | None) -> Any:
    """A pandas DataFrame of the columns the suite reads, plus the derived columns."""
    keep = [c for c in table.column_names if c in wanted]
    if doc_ids is not None and name in CHILD_TABLES and "doc_id" in keep:
        table = table.append_column("doc_in_batch",
                                    pc.is_in(table.column("doc_id"), value_set=doc_ids))
        keep.append("doc_in_batch")
    if ("offsets_match_body" in wanted and documents is not None
            and {"doc_id", "body"} <= set(documents.column_names)
            and {"doc_id", "text", "start", "end"} <= set(table.column_names)):
        table = table.append_column("offsets_match_body",
                                    pa.array(_offsets_match(table, documents), pa.bool_()))
        keep.append("offsets_match_body")
    if name == "duplicates" and {"doc_id", "canonical_doc_id"} <= set(keep):
        table = table.append_column("points_to_itself", pc.fill_null(
            pc.equal(table.column("doc_id"), table.column("canonical_doc_id")), False))
        keep.append("points_to_itself")
    return _comparable(table.select(keep)).to_pandas(date_as_object=False)


def _comparable(table: pa.Table) -> pa.Table:
    """Types GX compares column-wide: its pandas range check runs a Python function per
    value unless the dtype is int64, float64, datetime64[ns] or tz-aware (an int32 offset
    column or a date32 column cost ~1 µs a row, 16% of the gate on the bench batches)."""
    for i, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_integer(kind) and kind != pa.int64():
            wanted = pa.int64()
        elif pa.types.is_floating(kind) and kind != pa.float64():
            wanted = pa.float64()
        elif pa.types.is_date(kind):
            wanted = pa.timestamp("ns")
        else:
            continue
        try:
            column = table.column(i).cast(wanted)
        except pa.ArrowInvalid:  # a date outside 1677-2262: GX checks it row by row
            continue
        table = table.set_column(i, field.with_type(wanted), column)
    return table


def _offsets_match(table: pa.Table, documents: pa.Table) -> list[bool | None]:
    """body[start:end] == text for each row (None when the document is not in the batch)."""
    bodies = dict(zip(documents.column("doc_id").to_pylist(),
                      documents.column("body").to_pylist(), strict=True))
    out: list[bool | None] = []
    for doc_id, text, start, end in zip(*(table.column(c).to_pylist()
                                          for c in ("doc_id", "text", "start", "end")),
                                        strict=True):
        body = bodies.get(doc_id)
        if body is None or text is None or start is None or end is None:
            out.append(None)
        else:
            out.append(body[start:end] == text)
    return out


def _read(path: str | os.PathLike[str]) -> pa.Table | None:
    if "://" in str(path):  # staging on an object store (s3://...)
        from fsspec.core import url_to_fs

        fs, key = url_to_fs(str(path))
        return pq.read_table(key, filesystem=fs) if fs.exists(key) else None
    return pq.read_table(path) if os.path.exists(path) else None


def staged_tables(staged: Any) -> dict[str, pa.Table]:
    """A StagedBatch's rows from its staging Parquet files ('files' becomes 'raw_files').

    Staged documents are a superset of what will load: exact duplicates are decided at
    commit time, so a staged batch has no `duplicates` table yet.
    """
    out: dict[str, pa.Table] = {}
    for table, name in (("documents", "documents"), *((t, t) for t in CHILD_TABLES),
                        ("rejects", "rejects"), ("files", "raw_files")):
        rows = _read(staged.path(table))
        if rows is not None:
            out[name] = rows
    return out


def lake_tables(lake: str | os.PathLike[str], batch_id: str) -> dict[str, pa.Table]:
    """A batch's final rows from its lake files (<lake>/<table>/<batch_id>.parquet)."""
    out: dict[str, pa.Table] = {}
    for name in GATE_TABLES:
        rows = _read(Path(lake) / name / f"{batch_id}.parquet")
        if rows is not None:
            out[name] = rows
    return out


def warm_up() -> float:
    """Import GX and build the context and suites now (e.g. while the first batch is read)."""
    started = time.perf_counter()
    from expectations.engine import engine
    from expectations.suites import TABLE_SUITES

    engine()
    for make in TABLE_SUITES.values():
        make()
    return time.perf_counter() - started
