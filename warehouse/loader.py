"""The only writer of the DuckDB file: loads staged batches atomically, keeps the ledger.

Order of a commit, chosen so that a kill at any point leaves a state a rerun repairs:
1. decide exact duplicates against the warehouse (SQL over the staged Parquet);
2. write the batch's final Parquet files into the lake (temp file, then rename; on an
   object store, temp key then copy);
3. insert everything, ledger rows included, in ONE DuckDB transaction;
4. delete the staging folder.
Lake files whose batch is not in `batches` are leftovers of a killed run: `open()` removes
them, so a rerun re-reads those raw files and gives the same tables as a clean run.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from transforms.failpoints import failpoint
from transforms.pipeline import StagedBatch
from warehouse.lake import Lake, remove_tree
from warehouse.lock import WarehouseBusy, WriterLock
from warehouse.schema import (
    SCHEMA_VERSION,
    SchemaError,
    apply_schema,
    stored_version,
)

# Tables whose rows are written to the lake per batch, in load order.
# Tables whose rows belong to one accepted document (kept only for accepted documents).
CHILD_TABLES = ("paragraphs", "entities", "quotes", "cited_sources")
LAKE_TABLES = ("raw_files", "documents", *CHILD_TABLES, "duplicates", "rejects", "batches")
# Corpus-learned boilerplate, one lake file per learning pass (named by its time).
# The counted batches are written last: their file marks the pass as complete in the lake.
LEARNED_TABLES = ("boilerplate_paragraphs", "boilerplate_learned_batches")


# What one commit builds and drops after it: views over the staged Parquet files, and temp
# tables of its dedupe decisions.
_STAGED_TABLES = ("documents", "rejects", "files", *CHILD_TABLES)
_BATCH_TEMP_TABLES = ("known_files", "incoming", "decided", "new_batch")


_log = logging.getLogger(__name__)


class WarehouseError(RuntimeError):
    """A warehouse that cannot be opened or loaded; the message says what to do."""


@dataclass
class CommitResult:
    batch_id: str
    files: int = 0
    files_already_known: int = 0
    records: int = 0
    records_already_known: int = 0  # staged records of file versions loaded before
    documents: int = 0
    duplicates: int = 0
    rejects: int = 0
    near_duplicates: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def lake_dir_for(path: Path) -> Path:
    """The Parquet lake lives beside the DuckDB file: warta.duckdb -> warta.lake/."""
    return path.with_name(path.stem + ".lake")


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """For queries: fails with a clear message when a writer holds the file."""
    if not path.exists():
        raise WarehouseError(f"no warehouse at {path}; run `warta ingest SOURCE` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
        version = stored_version(con)
        if version is not None and version != SCHEMA_VERSION:
            con.close()
            if version > SCHEMA_VERSION:
                raise SchemaError(
                    f"warehouse {path} has schema version {version}, newer than this warta "
                    f"({SCHEMA_VERSION}); upgrade warta (uv sync) to open it")
            with Warehouse(path, reconcile=False):  # migrates in place, then reopen
                pass
            con = duckdb.connect(str(path), read_only=True)
        return con
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"warehouse {path} is being written by a running `warta ingest`; "
                "query it again when that run has finished"
            ) from exc
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc


class Warehouse:
    """A DuckDB file plus its Parquet lake, opened for writing by one process at a time."""

    def __init__(self, path: str | os.PathLike[str], lake: str | os.PathLike[str] | None = None,
                 reconcile: bool = True, staging: str | os.PathLike[str] | None = None,
                 memory_limit: str | None = None) -> None:
        """`lake` and `staging` may be folders or fsspec URLs (s3://bucket/prefix); staging
        defaults to the lake's `_staging`, so every Dask worker that reaches the lake can
        write there."""
        self.path = Path(path).resolve()
        self.lake = Lake(lake or lake_dir_for(self.path))
        self.staging = Lake(staging or self.lake.url("_staging"))
        self._reconcile_on_open = reconcile
        self._lock = WriterLock(self.path)
        self.near_dup_config: Any = None
        self.memory_limit = memory_limit
        self.con: duckdb.DuckDBPyConnection | None = None
        self._after_insert_hooks: list[Any] = []

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> Warehouse:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock.acquire()
        try:
            self.con = duckdb.connect(str(self.path))
            if self.memory_limit:  # DuckDB's default (80% of RAM) would grow with the corpus
                self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
            self.lake.register(self.con)
            self.staging.register(self.con)
            apply_schema(self.con)
            if self._reconcile_on_open:
                self._reconcile()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
        self._lock.release()

    def __enter__(self) -> Warehouse:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise WarehouseError("warehouse is not open")
        return self.con

    def add_after_insert_hook(self, hook: Any) -> None:
        """hook(con, batch_id, run_id) runs inside the batch transaction (near-dup linking)."""
        self._after_insert_hooks.append(hook)

    def enable_near_duplicates(self, cfg: Any) -> None:
        """Link each batch to near-duplicates across the whole history, in its transaction."""
        from warehouse.near_dupes import near_dup_hook

        self.near_dup_config = cfg
        self.add_after_insert_hook(near_dup_hook(cfg, on_stats=self._near_dup_stats))

    def learned_boilerplate(self) -> dict[str, frozenset[str]]:
        """Paragraph hashes learned as boilerplate per outlet, for the batch tasks to strip."""
        from warehouse.near_dupes import boilerplate_hashes

        return boilerplate_hashes(self.db)

    def learn_boilerplate(self, min_docs: int, min_share: float,
                          incremental: bool = True) -> int:
        """Count recurring paragraphs per outlet (those of batches not yet counted, unless
        `incremental` is off) after a run; later runs strip them. What a pass learned goes
        to the lake once committed (`_write_learned`), so `warta rebuild` restores it."""
        from warehouse.near_dupes import learn_boilerplate

        learned_at = datetime.now(UTC)
        n = learn_boilerplate(self.db, min_docs=min_docs, min_share=min_share,
                              incremental=incremental, learned_at=learned_at)
        self._write_learned(learned_at)
        return n

    def spill_dir(self) -> str:
        """Where DuckDB spills when memory is short (by default <file>.tmp beside it)."""
        return str(self.db.execute("SELECT current_setting('temp_directory')").fetchone()[0]
                   or str(self.path) + ".tmp")

    def has_unlearned_batches(self) -> bool:
        """Committed batches that no learning pass has counted (a run killed before it)."""
        return bool(self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM batches WHERE batch_id NOT IN "
            "(SELECT batch_id FROM boilerplate_learned_batches))").fetchone()[0])

    def _write_learned(self, learned_at: datetime) -> None:
        """One learning pass's rows (paragraphs added or raised, batches counted) as lake
        files named by its time. Learning never lowers a count, so replaying every pass in
        order, keeping the larger count, restores the table; a full recount on rebuild did
        not: a learned footer is stripped from later documents, its count stops growing,
        and against a grown outlet its share fell below the bar and it was forgotten."""
        key = _pass_key(learned_at)
        for table in LEARNED_TABLES:
            if self.db.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE learned_at = ?)",
                               [learned_at]).fetchone()[0]:
                self._write_lake_rows(table, key,
                                      f"SELECT * FROM {table} WHERE learned_at = ?",
                                      [learned_at])

    def _replay_learned(self) -> bool:
        """Load the learning passes from the lake; False when the lake has none (written
        before they were kept)."""
        paragraphs, batches = (self._lake_files(t) for t in LEARNED_TABLES)
        if not batches:
            return False
        self.db.execute("INSERT INTO boilerplate_learned_batches BY NAME SELECT * FROM "
                        f"read_parquet({batches}) ON CONFLICT DO NOTHING")
        if paragraphs:
            self.db.execute(f"""
                INSERT INTO boilerplate_paragraphs BY NAME
                SELECT * FROM read_parquet({paragraphs})
                QUALIFY row_number() OVER (PARTITION BY outlet, paragraph_hash
                                           ORDER BY n_docs DESC, learned_at DESC) = 1""")
        return True

    def _near_dup_stats(self, batch_id: str, stats: dict[str, Any]) -> None:
        self.last_near_dup_stats = stats

    def _reconcile(self) -> None:
        """Undo what a killed run left: uncommitted lake files, half-written ones, staging,
        'running' runs; then finish what it did not (`_roll_forward`)."""
        committed = {r[0] for r in self.db.execute("SELECT batch_id FROM batches").fetchall()}
        for table in LAKE_TABLES:
            for name in self.lake.names(table):
                batch_id = name.split(".parquet")[0]
                if name.endswith(".tmp") or batch_id not in committed:
                    self.lake.remove(table, name)
        for table in LEARNED_TABLES:  # a learning pass killed while writing its files
            for name in self.lake.names(table):
                if name.endswith(".tmp"):
                    self.lake.remove(table, name)
        self._roll_forward()
        remove_tree(self.staging.root)
        self.db.execute(
            "UPDATE runs SET status = 'crashed', error = 'process ended before the run finished'"
            " WHERE status = 'running'"
        )

    def _roll_forward(self) -> None:
        """Write what the database holds but the lake does not mark yet: the marker of a
        batch committed just before a kill, and learning passes killed before their files
        (or learned by code from before passes were kept, written once). Removes nothing,
        so it also serves `warta rebuild` on a read-only connection."""
        committed = {r[0] for r in self.db.execute("SELECT batch_id FROM batches").fetchall()}
        marked = {n.removesuffix(".parquet") for n in self.lake.names("batches")
                  if n.endswith(".parquet")}
        for batch_id in sorted(committed - marked):
            self._write_batch_marker(batch_id)
        kept = {n.removesuffix(".parquet") for n in self.lake.names(LEARNED_TABLES[-1])
                if n.endswith(".parquet")}
        for (learned_at,) in self.db.execute(
                "SELECT DISTINCT learned_at FROM boilerplate_learned_batches").fetchall():
            if _pass_key(learned_at) not in kept:
                self._write_learned(learned_at)

    # -- runs ------------------------------------------------------------------------------
    def start_run(self, run_id: str, source: str, started_at: datetime) -> None:
        self.db.execute(
            "INSERT INTO runs (run_id, source, started_at, status) VALUES (?, ?, ?, 'running')",
            [run_id, source, started_at],
        )

    def finish_run(self, run_id: str, summary: dict[str, Any], status: str,
                   error: str | None = None) -> None:
        self.db.execute(
            """UPDATE runs SET finished_at = ?, status = ?, files_seen = ?, files_skipped = ?,
                   records_seen = ?, documents = ?, duplicates = ?, rejects = ?,
                   rejects_by_reason = ?, seconds = ?, error = ?, quarantined = ?, quality = ?
               WHERE run_id = ?""",
            [datetime.now(UTC), status, summary.get("files_seen", 0),
             summary.get("files_skipped", 0), summary.get("records", 0),
             summary.get("documents", 0), summary.get("duplicates", 0),
             summary.get("rejects", 0), json.dumps(summary.get("rejects_by_reason", {})),
             summary.get("seconds"), error, summary.get("quarantined_records", 0),
             json.dumps({k: summary.get(k, []) for k in
                         ("quarantined_batches", "quality_warnings", "warehouse_checks")}),
             run_id],
        )
        self._write_lake_rows("runs", run_id,
                              "SELECT * FROM runs WHERE run_id = ?", [run_id])
        self._write_lake_rows("dq_results", run_id,
                              "SELECT * FROM dq_results WHERE run_id = ?", [run_id])

    def known_versions(self, uris: Sequence[str] | None = None
                       ) -> dict[str, tuple[int, float | None]]:
        """uri -> (size, mtime) of its latest ledger row (all uris, or only `uris`: the flow
        asks per chunk of its listing, so memory stays flat however large the ledger).

        Latest = loaded by the last committed batch: a file that went back to an earlier
        version updates that version's row (batch_id included), whose rowid is older."""
        latest = ("SELECT uri, size, mtime FROM ("
                  " SELECT r.uri, r.size, r.mtime, row_number() OVER (PARTITION BY r.uri"
                  "  ORDER BY b.committed_at DESC NULLS LAST, r.rowid DESC) AS newest"
                  " FROM raw_files r LEFT JOIN batches b USING (batch_id) {where}"
                  ") WHERE newest = 1")
        if uris is None:
            rows = self.db.execute(latest.format(where="")).fetchall()
        else:
            if not uris:
                return {}
            rows = self.db.execute(latest.format(
                where="WHERE r.uri IN (SELECT unnest(?::VARCHAR[]))"), [list(uris)]).fetchall()
        return {uri: (size, mtime) for uri, size, mtime in rows}

    def touch_files(self, run_id: str, uris: Iterable[str]) -> None:
        uris = list(uris)
        if uris:  # a semi-join: list_contains per ledger row was ledger x uris comparisons
            self.db.execute("UPDATE raw_files SET last_run = ? "
                            "WHERE uri IN (SELECT unnest(?::VARCHAR[]))", [run_id, uris])

    # -- batches ---------------------------------------------------------------------------
    def staging_dir(self, batch_id: str) -> str:
        return self.staging.url(batch_id)

    def discard_staged(self, staged: StagedBatch) -> None:
        """Drop a batch that will not be loaded (quarantined by the quality gate)."""
        remove_tree(staged.directory)

    def commit_batch(self, staged: StagedBatch, run_id: str,
                     also: Callable[[duckdb.DuckDBPyConnection], Any] | None = None
                     ) -> CommitResult:
        """Dedupe, write the lake files, then load everything in one transaction.

        `also` writes more rows in that transaction (the flow stores the batch's quality
        results there): they exist exactly when the batch does, a crash leaves neither."""
        try:
            result = self._commit(staged, run_id, also)
        except BaseException:  # its staged rows would stay in memory until the next commit
            with contextlib.suppress(duckdb.Error, WarehouseError):  # tell the commit's error
                self._drop_batch_objects()
            raise
        self._drop_batch_objects()
        return result

    def _commit(self, staged: StagedBatch, run_id: str,
                also: Callable[[duckdb.DuckDBPyConnection], Any] | None) -> CommitResult:
        con = self.db
        batch_id = staged.batch_id
        self._stage_views(staged)
        self._decide_duplicates()
        now = datetime.now(UTC)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE new_batch AS SELECT ?::VARCHAR AS batch_id, "
            "?::VARCHAR AS run_id, ?::TIMESTAMPTZ AS committed_at, ?::BIGINT AS n_files, "
            "?::BIGINT AS n_records",
            [batch_id, run_id, now, staged.n_files, staged.n_records],
        )
        selects = self._final_selects(run_id, batch_id, now)
        batch_row = selects.pop("batches")
        try:
            for table, sql in selects.items():
                self._write_lake_rows(table, batch_id, sql)
            failpoint("lake_written")
            con.execute("BEGIN TRANSACTION")
            try:
                near_before = self._near_links()
                self._insert_from_lake(batch_id, run_id, staged)
                con.execute(f"INSERT INTO batches BY NAME {batch_row}")
                result = self._result(batch_id, near_before)
                self._check_accounting(staged, result)
                if also is not None:
                    also(con)
                failpoint("in_transaction")
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a broken connection: the real error
                    con.execute("ROLLBACK")
                raise
        except BaseException:
            # Not committed: its lake files must not outlive it (`warta rebuild` replays the
            # lake without reconciling it first). A killed process leaves them to _reconcile.
            with contextlib.suppress(Exception):
                self._remove_lake_files(batch_id)
            raise
        failpoint("committed")
        try:
            self._write_batch_marker(batch_id)
        except Exception as exc:  # committed already; the next open writes it
            _log.warning("batch %s is committed, but its lake marker could not be written "
                         "(the warehouse writes it when next opened): %s", batch_id, exc)
        try:
            remove_tree(staged.directory)
        except Exception as exc:  # committed already: failing the run now would help no one
            _log.warning("batch %s is committed, but its staging files stay until the "
                         "warehouse is next opened for writing: %s", batch_id, exc)
        return result

    def _write_batch_marker(self, batch_id: str) -> None:
        """The batch's `batches` lake file, written only once the batch is committed: it is
        what `warta rebuild` replays, so lake files of a batch killed before its COMMIT are
        never replayed, even by a rebuild that runs before the warehouse is reopened. A
        process killed between COMMIT and this write leaves it to `_reconcile`."""
        self._write_lake_rows("batches", batch_id,
                              "SELECT * FROM batches WHERE batch_id = ?", [batch_id])

    def _check_accounting(self, staged: StagedBatch, result: CommitResult) -> None:
        """Every record the batch task staged is loaded (document, exact duplicate or
        reject) or belongs to a file version the warehouse already holds; anything else
        would vanish without a row, so the batch is not committed."""
        already_known = int(self.db.execute("""
            SELECT (SELECT count(*) FROM staged_documents d
                    WHERE d.doc_id NOT IN (SELECT doc_id FROM incoming))
                 + (SELECT count(*) FROM staged_rejects r WHERE EXISTS (
                        SELECT 1 FROM known_files k
                        WHERE k.uri = r.source_uri AND k.content_hash = r.file_hash))
        """).fetchone()[0])
        result.records_already_known = already_known
        if result.records + already_known != staged.n_records:
            raise WarehouseError(
                f"batch {staged.batch_id}: {staged.n_records} records staged, but "
                f"{result.records} loaded (documents {result.documents}, exact duplicates "
                f"{result.duplicates}, rejects {result.rejects}) and {already_known} already "
                "in the warehouse; not committed")

    def _remove_lake_files(self, batch_id: str) -> None:
        for table in LAKE_TABLES:  # `remove` ignores a missing file: no exists() round trip
            for name in (f"{batch_id}.parquet", f"{batch_id}.parquet.tmp"):
                self.lake.remove(table, name)

    def _drop_batch_objects(self) -> None:
        """The batch's temp tables (its new documents, in memory) would otherwise stay until
        the next commit replaced them, held while the next batch is gated and read."""
        for table in _BATCH_TEMP_TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        for table in _STAGED_TABLES:
            self.db.execute(f"DROP VIEW IF EXISTS staged_{table}")

    def _stage_views(self, staged: StagedBatch) -> None:
        """Views, not copies: the child tables stream from their Parquet files into the lake
        files (copying every staged table into a temp table held 40-80 MB per batch)."""
        con = self.db
        for table in _STAGED_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP VIEW staged_{table} AS "
                        f"SELECT * FROM read_parquet('{_sql_path(staged.path(table))}')")

    def _decide_duplicates(self) -> None:
        """Exact dedupe: a body already in `documents`, or earlier in this batch, wins."""
        con = self.db
        # File versions the ledger already holds (same uri, or same relpath moved elsewhere):
        # their records are in the warehouse already and must not be counted twice.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE known_files AS
            SELECT DISTINCT f.uri, f.content_hash FROM staged_files f
            WHERE f.content_hash <> '' AND EXISTS (
                SELECT 1 FROM raw_files r WHERE r.content_hash = f.content_hash
                AND (r.uri = f.uri OR r.relpath = f.relpath))""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT d.* FROM staged_documents d
            WHERE NOT EXISTS (SELECT 1 FROM known_files k
                              WHERE k.uri = d.source_uri AND k.content_hash = d.file_hash)
              AND NOT EXISTS (SELECT 1 FROM documents x WHERE x.doc_id = d.doc_id)""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE decided AS
            SELECT i.doc_id, i.source_uri, i.record_index, i.seq,
                   e.doc_id AS existing_id,
                   first_value(i.doc_id) OVER w AS first_id,
                   row_number() OVER w AS rn
            FROM incoming i LEFT JOIN documents e ON e.content_hash = i.content_hash
            WINDOW w AS (PARTITION BY i.content_hash ORDER BY i.seq)""")

    def _final_selects(self, run_id: str, batch_id: str, now: datetime) -> dict[str, str]:
        """SQL for each lake table of this batch, columns in warehouse order."""
        literal = {"run_id": _sql_str(run_id), "batch_id": _sql_str(batch_id),
                   "ingested_at": f"TIMESTAMPTZ '{now.isoformat()}'"}
        doc_exprs = self._column_exprs("documents", "staged_documents", "i", literal)
        accepted = "SELECT doc_id FROM decided WHERE existing_id IS NULL AND rn = 1"
        run = literal["run_id"]
        batch = literal["batch_id"]
        return {
            "documents": f"SELECT {doc_exprs} FROM incoming i WHERE i.doc_id IN ({accepted}) "
                         "ORDER BY i.seq",
            **{table: self._child_select(table, accepted, literal) for table in CHILD_TABLES},
            "duplicates": f"""SELECT doc_id, source_uri, record_index,
                                 coalesce(existing_id, first_id) AS canonical_doc_id,
                                 'exact' AS kind, 1.0::DOUBLE AS similarity,
                                 {run} AS run_id, {batch} AS batch_id
                              FROM decided WHERE existing_id IS NOT NULL OR rn > 1 ORDER BY seq""",
            "rejects": f"""SELECT r.source_uri, r.record_index, r.file_hash, r.reason, r.detail,
                               {run} AS run_id, {batch} AS batch_id
                           FROM staged_rejects r WHERE NOT EXISTS (
                               SELECT 1 FROM known_files k WHERE k.uri = r.source_uri
                               AND k.content_hash = r.file_hash) ORDER BY r.seq""",
            "raw_files": f"""SELECT uri, relpath, content_hash, size, mtime, format, n_records,
                                {run} AS first_run, {run} AS last_run, {batch} AS batch_id
                             FROM staged_files""",
            "batches": "SELECT * FROM new_batch",
        }

    def _column_exprs(self, table: str, staged_table: str, alias: str,
                      literal: dict[str, str]) -> str:
        """The warehouse table's columns in order: a run literal, the staged column, or a
        typed NULL for a column the batch task does not produce."""
        staged = {r[0] for r in self.db.execute(f"DESCRIBE {staged_table}").fetchall()}
        columns = self.db.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()

        def expr(column: str, data_type: str) -> str:
            if column in literal:
                return literal[column]
            return f'{alias}."{column}"' if column in staged else f"NULL::{data_type}"

        return ", ".join(f'{expr(c, t)} AS "{c}"' for c, t in columns)

    def _child_select(self, table: str, accepted: str, literal: dict[str, str]) -> str:
        staged = {r[0] for r in self.db.execute(f"DESCRIBE staged_{table}").fetchall()}
        exprs = self._column_exprs(table, f"staged_{table}", "c", literal)
        order = ", ".join(f'c."{c}"' for c in ("doc_id", "position", "start") if c in staged)
        return (f"SELECT {exprs} FROM staged_{table} c WHERE c.doc_id IN ({accepted}) "
                f"ORDER BY {order}")

    def _write_lake_rows(self, table: str, key: str, sql: str,
                         params: list[Any] | None = None) -> None:
        self.lake.makedirs(table)
        final = self.lake.url(table, f"{key}.parquet")
        tmp = final + ".tmp"
        self.db.execute(
            f"COPY ({sql}) TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION zstd)",
            params or [],
        )
        self.lake.replace(tmp, final)

    def _insert_from_lake(self, batch_id: str, run_id: str,
                          staged: StagedBatch | None = None) -> None:
        """Load one batch's lake files; shared by commit and rebuild so both give one result.

        On commit, the signatures the batch task computed are stored before the hooks run;
        on rebuild the near-duplicate hook signs the documents itself (same result)."""
        con = self.db
        path = {t: _sql_path(self.lake.url(t, f"{batch_id}.parquet")) for t in LAKE_TABLES}
        con.execute(f"""
            INSERT INTO raw_files BY NAME SELECT * FROM read_parquet('{path['raw_files']}')
            ON CONFLICT (uri, content_hash) DO UPDATE SET last_run = excluded.last_run,
                size = excluded.size, mtime = excluded.mtime, batch_id = excluded.batch_id""")
        for table in ("documents", *CHILD_TABLES, "duplicates", "rejects", "batches"):
            if self.lake.exists(table, f"{batch_id}.parquet"):  # older lakes lack some
                con.execute(
                    f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet('{path[table]}')")
        if (self.near_dup_config is not None and staged is not None
                and self.staging.exists(staged.batch_id, "signatures.parquet")):
            self._store_signatures(staged, batch_id)
        for hook in self._after_insert_hooks:
            hook(con, batch_id, run_id)

    def _store_signatures(self, staged: StagedBatch, batch_id: str) -> None:
        import pyarrow.parquet as pq

        from warehouse.near_dupes import store_minhash

        signatures = pq.read_table(staged.path("signatures"), filesystem=self.staging.fs)
        accepted = {r[0] for r in self.db.execute(
            "SELECT doc_id FROM documents WHERE batch_id = ?", [batch_id]).fetchall()}
        mask = [doc_id in accepted for doc_id in signatures.column("doc_id").to_pylist()]
        store_minhash(self.db, batch_id, signatures.filter(mask), cfg=self.near_dup_config)

    def _near_links(self) -> int:
        """'near' rows in the warehouse. A batch's count is the change across its commit:
        linking re-stamps the rows of older cluster members (counting rows by batch_id
        counted them again in every batch that touched the cluster), and a new canonical
        member gives older documents their first row (counting only the batch's own
        documents missed those). The changes add up to the table over any batching."""
        return int(self.db.execute(
            "SELECT count(*) FROM duplicates WHERE kind = 'near'").fetchone()[0])

    def _result(self, batch_id: str, near_before: int) -> CommitResult:
        con = self.db
        def count(sql: str) -> int:
            return int(con.execute(sql, [batch_id]).fetchone()[0])
        reasons = dict(con.execute(
            "SELECT reason, count(*) FROM rejects WHERE batch_id = ? GROUP BY reason ORDER BY 1",
            [batch_id]).fetchall())
        result = CommitResult(
            batch_id=batch_id,
            files=count("SELECT count(*) FROM raw_files WHERE batch_id = ?"),
            files_already_known=int(con.execute("SELECT count(*) FROM known_files").fetchone()[0]),
            documents=count("SELECT count(*) FROM documents WHERE batch_id = ?"),
            duplicates=count("SELECT count(*) FROM duplicates WHERE batch_id = ? AND kind='exact'"),
            near_duplicates=self._near_links() - near_before,
            rejects=count("SELECT count(*) FROM rejects WHERE batch_id = ?"),
            rejects_by_reason={k: int(v) for k, v in reasons.items()},
        )
        result.records = result.documents + result.duplicates + result.rejects
        return result

    # -- rebuild ---------------------------------------------------------------------------
    def replay_lake(self) -> int:
        """Load every committed batch from the lake in commit order (into an empty DB)."""
        con = self.db
        batch_files = self._lake_files("batches")
        if not batch_files:
            return 0
        batches = con.execute(
            f"SELECT batch_id, run_id FROM read_parquet({batch_files}) "
            "ORDER BY committed_at, batch_id").fetchall()
        for batch_id, run_id in batches:
            con.execute("BEGIN TRANSACTION")
            try:
                self._insert_from_lake(batch_id, run_id)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        if run_files := self._lake_files("runs"):
            con.execute(f"INSERT INTO runs BY NAME SELECT * FROM read_parquet({run_files}) "
                        "ON CONFLICT (run_id) DO NOTHING")
        if dq_files := self._lake_files("dq_results"):
            con.execute(f"INSERT INTO dq_results BY NAME SELECT * FROM read_parquet({dq_files})")
        return len(batches)

    def _lake_files(self, table: str) -> str:
        """The table's committed lake files as a SQL list literal ('' when there are none).
        Listed by name, never as a glob: a lake under a folder named with [ ] ? or * would
        match nothing as a pattern."""
        names = [n for n in self.lake.names(table) if n.endswith(".parquet")]
        if not names:
            return ""
        return "[" + ", ".join(f"'{_sql_path(self.lake.url(table, n))}'" for n in names) + "]"


def _roll_forward_before_rebuild(real: Path, lake: Lake) -> None:
    """Read the old file first, when it opens, and write the lake markers it has and the
    lake lacks: a run killed between a batch's COMMIT and its marker (or a learning pass
    and its files) left committed data the lake does not mark, and a rebuild right then
    dropped it. Read-only and removing nothing: the old file may be an older copy, and the
    lake, not it, is what a rebuild trusts. A file that does not open (the usual reason to
    rebuild) is rebuilt from the lake as it stands."""
    if not real.exists():
        return
    try:
        con = duckdb.connect(str(real), read_only=True)
    except duckdb.Error as exc:
        _log.warning("could not read %s to complete its lake (%s); rebuilding from the lake "
                     "as it stands", real, exc)
        return
    old = Warehouse(real, lake=lake.root, reconcile=False)
    try:
        old.lake.register(con)
        old.con = con
        old._roll_forward()
    except (duckdb.Error, OSError) as exc:
        _log.warning("could not complete the lake of %s from it (%s); rebuilding from the "
                     "lake as it stands", real, exc)
    finally:
        old.con = None
        con.close()


def _pass_key(learned_at: datetime) -> str:
    """A learning pass's lake file name: its time, sortable."""
    return learned_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _sql_path(path: str) -> str:
    return path.replace("'", "''")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def rebuild_warehouse(path: str | os.PathLike[str], hooks: Iterable[Any] = (),
                      near_dup_config: Any = None,
                      lake: str | os.PathLike[str] | None = None,
                      boilerplate: tuple[int, float] | None = None) -> int:
    """Recreate the DuckDB file from its lake; the old file is replaced only on success.

    Learned boilerplate is restored from the learning passes kept in the lake; `boilerplate`
    = (min_docs, min_share) then counts the batches no pass counted (a run killed before
    learning), or, for a lake without passes (older code), recounts the whole history."""
    real = Path(path).resolve()
    lake = Lake(lake or lake_dir_for(real))
    if not lake.exists("batches"):
        raise WarehouseError(f"no Parquet lake at {lake}: nothing to rebuild from")
    _roll_forward_before_rebuild(real, lake)
    with WriterLock(real):
        tmp = real.with_name(real.name + ".rebuild")
        for leftover in (tmp, Path(str(tmp) + ".wal"), Path(str(tmp) + ".lock")):
            leftover.unlink(missing_ok=True)
        target = Warehouse(tmp, lake=lake.root, reconcile=False)
        if near_dup_config is not None:
            target.enable_near_duplicates(near_dup_config)
        for hook in hooks:
            target.add_after_insert_hook(hook)
        with target:
            n_batches = target.replay_lake()
            replayed = target._replay_learned()
            if boilerplate is not None:  # batches no pass counted (or every one: old lakes)
                target.learn_boilerplate(*boilerplate, incremental=replayed)
            target.db.execute("CHECKPOINT")
        Path(str(tmp) + ".lock").unlink(missing_ok=True)
        Path(str(real) + ".wal").unlink(missing_ok=True)
        os.replace(tmp, real)
    return n_batches
