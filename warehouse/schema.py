"""Applies the SQL files under warehouse/sql/ in name order and tracks the schema version."""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
SCHEMA_VERSION = 1


class SchemaError(RuntimeError):
    """The warehouse was written by a newer warta; opening it could damage it."""


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and views; refuse a warehouse from a newer schema."""
    existing = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_info'"
    ).fetchone()[0]
    if existing:
        row = con.execute("SELECT value FROM schema_info WHERE key = 'version'").fetchone()
        if row and int(row[0]) > SCHEMA_VERSION:
            raise SchemaError(
                f"this warehouse has schema version {row[0]}, newer than this warta "
                f"({SCHEMA_VERSION}); upgrade warta to open it"
            )
    for path in sql_files():
        con.execute(path.read_text(encoding="utf-8"))
    con.execute(
        "INSERT INTO schema_info VALUES ('version', ?) ON CONFLICT (key) DO UPDATE SET value = ?",
        [str(SCHEMA_VERSION), str(SCHEMA_VERSION)],
    )


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]
    ).fetchall()
    return [r[0] for r in rows]
