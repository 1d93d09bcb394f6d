"""Writes quality results into the warehouse's `dq_results` table.

Rows go in through an Arrow registration and INSERT ... BY NAME: no value, least of all
article text quoted in `details`, is ever formatted into SQL.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pyarrow as pa

from expectations.results import DQ_SCHEMA

__all__ = ["store_results", "ensure_table"]

DDL = Path(__file__).resolve().parent.parent / "warehouse" / "sql" / "050_data_quality.sql"
_names = itertools.count()


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create dq_results if the warehouse predates it (the DDL is idempotent)."""
    con.execute(DDL.read_text(encoding="utf-8"))


def store_results(con: duckdb.DuckDBPyConnection, results: pa.Table) -> int:
    """Insert `results` (rows of expectations.results.DQ_SCHEMA); returns the rows written."""
    if results is None or results.num_rows == 0:
        return 0
    ensure_table(con)
    missing = [f for f in DQ_SCHEMA if f.name not in results.column_names]
    for f in missing:  # tolerate an older row format
        results = results.append_column(f, pa.nulls(results.num_rows, f.type))
    results = results.select(DQ_SCHEMA.names).cast(DQ_SCHEMA)
    view = f"_dq_results_in_{next(_names)}"
    con.register(view, results)
    try:
        con.execute(f"INSERT INTO dq_results BY NAME SELECT * FROM {view}")
    finally:
        con.unregister(view)
    return results.num_rows
