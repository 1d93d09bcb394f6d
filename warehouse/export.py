"""Export a table or a query to Parquet, CSV or JSON Lines for pandas, polars or R users."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

FORMATS = {".parquet": "(FORMAT parquet, COMPRESSION zstd)", ".csv": "(FORMAT csv, HEADER)",
           ".jsonl": "(FORMAT json)", ".ndjson": "(FORMAT json)"}


class ExportError(ValueError):
    pass


def export(con: duckdb.DuckDBPyConnection, what: str, target: str | os.PathLike[str]) -> int:
    """Write `what` (a table or view name, or a SELECT/WITH query) to `target`; returns rows."""
    target = Path(target)
    options = FORMATS.get(target.suffix.lower())
    if options is None:
        raise ExportError(f"unknown export format {target.suffix or '(none)'}; use one of "
                          + ", ".join(FORMATS))
    relations = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    if what in relations:
        query = f'SELECT * FROM "{what}"'
    elif what.lstrip().lower().startswith(("select", "with", "from")):
        query = what.rstrip().rstrip(";")
    else:
        raise ExportError(f"{what!r} is neither a table or view ({', '.join(sorted(relations))}) "
                          "nor a SELECT query")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    escaped = str(tmp).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{escaped}' {options}")
    os.replace(tmp, target)
    return int(con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0])
