"""Applies the SQL files under warehouse/sql/ in name order and tracks the schema version."""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SCHEMA_VERSION = 4  # = the highest NNN of warehouse/migrations/NNN_*.sql


class SchemaError(RuntimeError):
    """The warehouse was written by a newer warta; opening it could damage it."""


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def stored_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version a warehouse file records; None for a new, empty file."""
    existing = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_info'"
    ).fetchone()[0]
    if not existing:
        return None
    row = con.execute("SELECT value FROM schema_info WHERE key = 'version'").fetchone()
    return int(row[0]) if row else 1


def migrations_after(version: int) -> list[Path]:
    return [p for p in sorted(MIGRATIONS_DIR.glob("*.sql")) if int(p.name[:3]) > version]


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and views, migrate an older warehouse in place (one
    transaction), and refuse one written by a newer warta."""
    version = stored_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaError(
            f"this warehouse has schema version {version}, newer than this warta "
            f"({SCHEMA_VERSION}); upgrade warta (uv sync) to open it"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        if version is not None:
            for path in migrations_after(version):
                con.execute(path.read_text(encoding="utf-8"))
        for path in sql_files():
            con.execute(path.read_text(encoding="utf-8"))
        _set_version(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _set_version(con: duckdb.DuckDBPyConnection) -> None:
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
