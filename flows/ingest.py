"""The ingest flow: plan batches, process them on the task runner, commit them in order.

Orchestration only: every piece of text logic lives in `transforms`, every SQL in
`warehouse`. Batch tasks may run on threads, processes or Dask workers; only this flow
writes to DuckDB, one batch transaction at a time, in plan order (so "earliest ingested"
is the same on every runner).
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from flows.prefect_env import TemporaryServer, configure_prefect_environment, temporary_server

configure_prefect_environment()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from flows.memory import release_free_memory  # noqa: E402
from flows.progress import Progress, make_progress  # noqa: E402
from transforms.config import WartaConfig, load_config  # noqa: E402
from transforms.pipeline import BatchContext, StagedBatch, process_batch  # noqa: E402
from transforms.sources import LocalExclusion, SourceFile, list_source  # noqa: E402
from warehouse.loader import CommitResult, Warehouse  # noqa: E402

_AVG_RECORD_BYTES = 4096  # plans batches before reading: a JSONL/CSV row is ~4 KB


def plan_batches(files: Iterator[SourceFile], config: WartaConfig) -> Iterator[list[SourceFile]]:
    """Group files so a batch holds about `batch_size` records (estimated from bytes)."""
    budget = config.batch_size * _AVG_RECORD_BYTES
    batch: list[SourceFile] = []
    size = 0
    for source_file in files:
        batch.append(source_file)
        size += max(source_file.size, 1)
        if len(batch) >= config.batch_size or size >= budget:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@task(name="process-batch", retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE,
      retry_condition_fn=lambda task, run, state: _is_io_error(state))
def process_batch_task(batch_id: str, files: list[SourceFile], directory: str,
                       config: WartaConfig, reference_time: datetime,
                       learned: dict[str, frozenset[str]]) -> StagedBatch:
    """Read, decode, clean and extract one batch; rows go to staging Parquet."""
    context = BatchContext(config, reference_time, learned_boilerplate=learned)
    try:
        return process_batch(batch_id, files, directory, context)
    finally:  # a worker process holds no rows between batches (threads: the flow's process)
        release_free_memory()


@task(name="gate-batch", cache_policy=NO_CACHE)
def gate_batch_task(staged: StagedBatch, run_id: str, reference_time: datetime) -> Any:
    """The quality gate on a staged batch, in the flow's process.

    Great Expectations costs ~250 MB and a 7-13 s import per process, and its context is not
    thread-safe: one copy here serves every batch, and workers (processes, Dask) never load
    it. A gate costs ~0.45 s per batch plus ~0.1 ms per document (bench/README, session 5)."""
    from expectations.gate import check_batch, staged_tables

    return check_batch(staged_tables(staged), run_id, staged.batch_id, reference_time)


def _is_io_error(state: Any) -> bool:
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


@task(name="commit-batch", cache_policy=NO_CACHE)
def commit_batch_task(warehouse: Warehouse, staged: StagedBatch, run_id: str,
                      quality: Any = None) -> CommitResult:
    """Dedupe against the warehouse and load the batch, with its gate results (`quality`,
    if any), in one transaction."""
    from expectations.store import store_results

    store = None if quality is None else (lambda con: store_results(con, quality))
    return warehouse.commit_batch(staged, run_id, also=store)


_MAX_WARNINGS = 50
_SPLIT_BUDGET = 32  # sub-batches per failed batch: one bad file among 2,000 takes 22
_MAX_URIS = 20  # quarantined files named per batch in the run summary


class RunSummary:
    """Counts of one run; the accounting identity is records = documents + dups + rejects."""

    def __init__(self, run_id: str, source: str, warehouse: str) -> None:
        self.run_id = run_id
        self.source = source
        self.warehouse = warehouse
        self.started = time.monotonic()
        self.files_seen = 0
        self.files_skipped = 0
        self.batches = 0
        self.totals: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.boilerplate: Counter[str] = Counter()
        self.quarantined: list[dict[str, Any]] = []
        self.dq_warnings: list[str] = []
        self.warehouse_checks: list[str] = []
        self.learned_boilerplate = 0

    def quarantine(self, staged: StagedBatch, failures: list[str], uris: list[str]) -> None:
        """Files the gate kept out (one, unless the split budget ran out): they stay out of
        the ledger, so a rerun retries them."""
        self.quarantined.append({"batch_id": staged.batch_id, "files": staged.n_files,
                                 "uris": uris[:_MAX_URIS], "records": staged.n_records,
                                 "failures": failures[:20]})

    def warn(self, warnings: list[str]) -> None:
        """Keep the first few: the report shows 50, dq_results holds every one."""
        self.dq_warnings.extend(warnings[:max(0, _MAX_WARNINGS - len(self.dq_warnings))])

    def add(self, staged: StagedBatch, result: CommitResult) -> None:
        self.batches += 1
        self.totals.update(files=result.files, files_already_known=result.files_already_known,
                           records=result.records, documents=result.documents,
                           duplicates=result.duplicates, rejects=result.rejects,
                           near_duplicate_links=result.near_duplicates)
        self.reasons.update(result.rejects_by_reason)
        self.boilerplate.update(staged.boilerplate_by_rule)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "source": self.source, "warehouse": self.warehouse,
            "files_seen": self.files_seen, "files_skipped": self.files_skipped,
            "files_processed": self.totals["files"],
            "files_already_known": self.totals["files_already_known"],
            "batches": self.batches, "records": self.totals["records"],
            "documents": self.totals["documents"], "duplicates": self.totals["duplicates"],
            "rejects": self.totals["rejects"],
            "near_duplicate_links": self.totals["near_duplicate_links"],
            "rejects_by_reason": dict(sorted(self.reasons.items())),
            "boilerplate_lines_by_rule": dict(self.boilerplate.most_common()),
            "learned_boilerplate_paragraphs": self.learned_boilerplate,
            "quarantined_batches": self.quarantined,
            "quarantined_records": sum(q["records"] for q in self.quarantined),
            "quality_warnings": self.dq_warnings,
            "warehouse_checks": self.warehouse_checks,
            "seconds": round(time.monotonic() - self.started, 3),
        }


def _markdown(summary: dict[str, Any]) -> str:
    rows = [f"| {k} | {v} |" for k, v in summary.items() if not isinstance(v, (dict, list))]
    reasons = [f"| {k} | {v} |" for k, v in summary["rejects_by_reason"].items()] or ["| - | 0 |"]
    quality = [f"- {line}" for q in summary["quarantined_batches"] for line in
               [f"batch {q['batch_id']} quarantined ({q['records']} records)", *q["failures"]]]
    quality += [f"- {w}" for w in summary["quality_warnings"] + summary["warehouse_checks"]]
    return "\n".join(["# warta ingest run", "", "| field | value |", "|---|---|", *rows, "",
                      "## Rejects by reason", "", "| reason | count |", "|---|---|", *reasons,
                      "", "## Data quality", "", *(quality or ["- all expectations met"])])


_LEDGER_CHUNK = 5000  # listed files looked up in the ledger (and touched) per query


def _with_ledger(files: Iterator[SourceFile], wh: Warehouse
                 ) -> Iterator[tuple[SourceFile, bool]]:
    """Each listed file with whether the ledger's latest row has its size and mtime (then
    it need not be read again). The ledger is asked per chunk of the listing, never held
    whole: the flow's memory does not grow with the number of files ingested so far."""
    files = iter(files)
    while chunk := list(itertools.islice(files, _LEDGER_CHUNK)):
        known = wh.known_versions([f.uri for f in chunk])
        for listed in chunk:
            version = known.get(listed.uri)
            yield listed, (version is not None and listed.mtime is not None
                           and version == (listed.size, listed.mtime))


def _listing(source: str, config: WartaConfig, wh: Warehouse) -> Iterator[SourceFile]:
    """The source's files, without the warehouse's own: `warta ingest .` with the warehouse
    inside the source would otherwise read its DuckDB file, lake, report and Data Docs, and
    the staging files this very run writes (the listing is walked while batches run)."""
    from expectations.data_docs import data_docs_dir
    from expectations.report import default_report_path

    db = str(wh.path)
    own = LocalExclusion(
        files=[db, *(db + ext for ext in (".wal", ".lock", ".rebuild", ".rebuild.wal",
                                          ".rebuild.lock")),
               default_report_path(wh.path)],
        folders=[data_docs_dir(wh.path), db + ".tmp", db + ".rebuild.tmp", wh.spill_dir(),
                 *(loc.root for loc in (wh.lake, wh.staging) if loc.local)],
        follow_symlinks=config.follow_symlinks)
    for source_file in list_source(source, config.follow_symlinks):
        if source_file.uri not in own:
            yield source_file


def _count_changed(files: Iterator[SourceFile], wh: Warehouse) -> tuple[int, int]:
    """A listing pass for the progress total: counts only, so memory stays flat."""
    count = size = 0
    for source_file, unchanged in _with_ledger(files, wh):
        if not unchanged:
            count += 1
            size += source_file.size
    return count, size


def _changed_files(files: Iterator[SourceFile], wh: Warehouse, run_id: str,
                   summary: RunSummary) -> Iterator[SourceFile]:
    """Yield new and changed files; touch the ledger rows of unchanged ones."""
    unchanged_uris: list[str] = []
    for source_file, unchanged in _with_ledger(files, wh):
        summary.files_seen += 1
        if unchanged:
            summary.files_skipped += 1
            unchanged_uris.append(source_file.uri)
            if len(unchanged_uris) >= _LEDGER_CHUNK:
                wh.touch_files(run_id, unchanged_uris)
                unchanged_uris = []
            continue
        yield source_file
    wh.touch_files(run_id, unchanged_uris)


@flow(name="warta-ingest", log_prints=False, validate_parameters=False)
def ingest_flow(source: str, warehouse: str, batch_size: int | None = None,
                config_path: str | None = None, config: WartaConfig | None = None,
                max_in_flight: int | None = None, progress: str = "log",
                lake: str | None = None) -> dict[str, Any]:
    """Ingest every new or changed raw file under `source` into the warehouse.

    `lake` is where the Parquet lake and staging files live (a folder or an fsspec URL such
    as s3://bucket/prefix; default beside the DuckDB file). The task runner is chosen by the
    caller (`run_ingest`), not here."""
    return _ingest(source, warehouse, batch_size, config_path, config, max_in_flight, progress,
                   lake)


def run_ingest(source: str, warehouse: str, *, batch_size: int | None = None,
               config_path: str | None = None, config: WartaConfig | None = None,
               runner: str = "local", dask_address: str | None = None,
               workers: int | None = None, progress: str = "auto",
               lake: str | None = None, server: TemporaryServer | None = None) -> dict[str, Any]:
    """Run the ingest flow on the chosen task runner (threads, processes or Dask).

    With no Prefect API configured, the run gets a temporary server of ours (`server`, when
    the caller started it early), see `flows.prefect_env.TemporaryServer`."""
    from flows.runners import make_task_runner

    if "://" not in source:  # one spelling per local folder, so ledger uris stay comparable
        source = os.path.abspath(source)
    config = (config or load_config(config_path)).with_overrides(batch_size=batch_size,
                                                                 workers=workers)
    task_runner = make_task_runner(runner, config.workers, dask_address)
    flow_ = ingest_flow.with_options(task_runner=task_runner)
    with temporary_server(server, dask_address):
        return flow_(source=source, warehouse=warehouse, config=config, progress=progress,
                     lake=lake)


def _ingest(source: str, warehouse: str, batch_size: int | None,
            config_path: str | None, config: WartaConfig | None,
            max_in_flight: int | None, progress_mode: str,
            lake: str | None = None) -> dict[str, Any]:
    logger = get_run_logger()
    config = (config or load_config(config_path)).with_overrides(batch_size=batch_size)
    run_id = _run_id()
    started_at = datetime.now(UTC)
    summary = RunSummary(run_id, source, warehouse)
    progress = make_progress(progress_mode, logger)
    with Warehouse(warehouse, lake=lake, memory_limit=config.duckdb_memory_limit) as wh:
        wh.enable_near_duplicates(config.near_dup_config())
        wh.start_run(run_id, source, started_at)
        try:
            if wh.has_unlearned_batches():  # a run killed before its learning pass: learn
                wh.learn_boilerplate(       # now, so new files are cleaned as after a clean run
                    config.boilerplate_min_docs, config.boilerplate_min_share)
            learned = wh.learned_boilerplate()
            total_files, total_bytes = _count_changed(_listing(source, config, wh), wh)
            progress.start(total_files, total_bytes)
            files = _changed_files(_listing(source, config, wh), wh, run_id, summary)
            window = max_in_flight or max(2, config.workers + 1)
            loader = _BatchLoader(wh, config, run_id, started_at, learned, summary, logger,
                                  progress)
            in_flight: deque[tuple[Any, list[SourceFile]]] = deque()
            for seq, batch in enumerate(plan_batches(files, config)):
                in_flight.append((loader.submit(f"{run_id}-{seq:05d}", batch), batch))
                if len(in_flight) >= window:
                    future, batch = in_flight.popleft()
                    loader.load(future.result(), batch)
            while in_flight:
                future, batch = in_flight.popleft()
                loader.load(future.result(), batch)
            progress.close()
            summary.learned_boilerplate = wh.learn_boilerplate(
                config.boilerplate_min_docs, config.boilerplate_min_share)
            if config.quality_gate:
                _check_warehouse(wh, run_id, summary, logger)
        except BaseException as exc:
            progress.close()
            result = summary.as_dict()
            wh.finish_run(run_id, result, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        result = summary.as_dict()
        wh.finish_run(run_id, result, "completed")
        if config.quality_gate:
            _build_data_docs(wh, logger)
    logger.info("ingest finished: %s", {k: v for k, v in result.items()
                                        if k != "boilerplate_lines_by_rule"})
    create_markdown_artifact(_markdown(result), key="warta-ingest-summary",
                             description=f"warta ingest of {source}")
    return result


@dataclass
class _BatchLoader:
    """Gates and commits staged batches in order, for one run.

    A batch that fails the gate is not kept out whole: its files are processed again in two
    halves, each gated and committed on its own, down to single files. Only the files that
    fail alone are quarantined (kept out of the ledger, so retried next run); before, one
    bad file kept up to `batch_size` good neighbours out, and the same ones on every rerun,
    since the listing order puts them in one batch again. Batching does not change what a
    file becomes, so the halves load exactly what the whole batch would have.

    Splitting stops after `_SPLIT_BUDGET` sub-batches per failed batch (a feed whose every
    file fails would otherwise cost two gate runs per file); what still fails then is
    quarantined as it stands."""

    wh: Warehouse
    config: WartaConfig
    run_id: str
    started_at: datetime
    learned: dict[str, frozenset[str]]
    summary: RunSummary
    logger: Any
    progress: Progress

    def submit(self, batch_id: str, files: list[SourceFile]) -> Any:
        return process_batch_task.submit(batch_id, files, self.wh.staging_dir(batch_id),
                                         self.config, self.started_at, self.learned)

    def load(self, staged: StagedBatch, files: list[SourceFile],
             budget: list[int] | None = None) -> None:
        quality = None
        if self.config.quality_gate:
            gate = gate_batch_task(staged, self.run_id, self.started_at)
            if not gate.passed:
                self.wh.discard_staged(staged)
                budget = [_SPLIT_BUDGET] if budget is None else budget
                if len(files) > 1 and budget[0] >= 2:
                    budget[0] -= 2
                    self._split(staged.batch_id, files, gate.critical_failures, budget)
                else:
                    self._quarantine(staged, files, gate)
                return
            self.summary.warn(gate.warnings)
            quality = gate.results  # stored with the batch, in its transaction
        committed = commit_batch_task(self.wh, staged, self.run_id, quality)
        release_free_memory()  # the batch's rows are in DuckDB now: free chunks back to the OS
        self.summary.add(staged, committed)
        self.progress.advance(staged.n_files, staged.n_bytes, committed.records)
        self.logger.debug("batch %s: %s", staged.batch_id,
                          {k: v for k, v in asdict(committed).items()
                           if k not in ("batch_id", "extra")})

    def _split(self, batch_id: str, files: list[SourceFile], failures: list[str],
               budget: list[int]) -> None:
        self.logger.warning("batch %s (%d files) failed the quality gate (%s): checking it "
                            "in halves, to keep out only the files that fail", batch_id,
                            len(files), "; ".join(failures[:3]))
        middle = len(files) // 2
        for part, half in enumerate((files[:middle], files[middle:]), 1):
            self.load(self.submit(f"{batch_id}.{part}", half).result(), half, budget)

    def _quarantine(self, staged: StagedBatch, files: list[SourceFile], gate: Any) -> None:
        from expectations.store import store_results

        store_results(self.wh.db, gate.results)  # why it is kept out, for the report
        self.summary.warn(gate.warnings)
        self.summary.quarantine(staged, gate.failures, [f.uri for f in files])
        self.logger.error("batch %s (%d files, first %s) kept out of the warehouse by the "
                          "quality gate (retried next run): %s", staged.batch_id, len(files),
                          files[0].uri, "; ".join(gate.critical_failures[:5]))
        self.progress.advance(staged.n_files, staged.n_bytes, 0)


def _check_warehouse(wh: Warehouse, run_id: str, summary: RunSummary, logger: Any) -> None:
    """After the last load: checks across batches and runs (nothing can be kept out now)."""
    from expectations.store import store_results
    from expectations.warehouse_checks import check_warehouse

    result = check_warehouse(wh.db, run_id, records_seen=summary.totals["records"])
    store_results(wh.db, result.results)
    summary.warehouse_checks.extend(result.failures)
    for failure in result.critical_failures:
        logger.error("warehouse check failed: %s", failure)


def _build_data_docs(wh: Warehouse, logger: Any) -> None:
    """GX's own Data Docs beside the warehouse; a failure here must not fail the run."""
    try:
        from expectations.data_docs import build_data_docs, data_docs_dir

        build_data_docs(wh.db, data_docs_dir(wh.path))
    except Exception as exc:  # report, do not fail: the data is loaded and checked
        logger.warning("could not build Data Docs: %s", exc)


def _run_id() -> str:
    try:
        from prefect.runtime import flow_run

        if flow_run.id:
            return str(flow_run.id)
    except Exception:  # outside a flow run (direct call in a test)
        pass
    return str(uuid.uuid4())
