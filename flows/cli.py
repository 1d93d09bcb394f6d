"""The `warta` command line. Heavy imports (Prefect, trafilatura) happen only in the
subcommands that need them, so `warta sql` and `warta status` answer at once."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULT_WAREHOUSE = os.environ.get("WARTA_WAREHOUSE", "warehouse_data/warta.duckdb")


class UsageError(Exception):
    """A bad argument: one line to the user, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warta", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_warehouse(p: argparse.ArgumentParser) -> None:
        p.add_argument("--warehouse", default=DEFAULT_WAREHOUSE,
                       help=f"DuckDB file (default {DEFAULT_WAREHOUSE}); Parquet lake beside it")

    def add_lake(p: argparse.ArgumentParser) -> None:
        p.add_argument("--lake", default=os.environ.get("WARTA_LAKE"),
                       help="Parquet lake folder or URL, e.g. s3://bucket/lake (default "
                       "$WARTA_LAKE, else beside the DuckDB file); give the same one every time")

    ingest = sub.add_parser("ingest", help="ingest new and changed raw files from SOURCE")
    ingest.add_argument("source", help="folder (read recursively), file, or fsspec URL")
    add_warehouse(ingest)
    ingest.add_argument("--batch-size", type=int, help="records per batch (default 2000)")
    ingest.add_argument("--config", help="YAML config file")
    ingest.add_argument("--json", action="store_true", help="print the run summary as JSON")
    ingest.add_argument("--runner", choices=("local", "processes", "dask"), default="local",
                        help="where batch tasks run: threads (default), local processes, Dask")
    ingest.add_argument("--dask-address", help="tcp://HOST:PORT of a running Dask scheduler "
                        "(default with --runner dask: a local cluster)")
    ingest.add_argument("--workers", type=int, help="batch tasks in parallel (default 2)")
    ingest.add_argument("--quiet", action="store_true",
                        help="no progress bar or progress log lines")
    add_lake(ingest)

    serve = sub.add_parser("serve", help="ingest SOURCE(s) on a schedule, as Prefect "
                           "deployments served from this process (needs `warta server`)")
    serve.add_argument("sources", nargs="*", metavar="SOURCE",
                       help="folders or fsspec URLs (default: serve.sources in --config)")
    add_warehouse(serve)
    when = serve.add_mutually_exclusive_group()
    when.add_argument("--cron", help="cron expression, e.g. '*/15 * * * *'")
    when.add_argument("--interval", type=int, help="seconds between runs")
    serve.add_argument("--config", help="YAML config file (may hold a serve: section)")
    serve.add_argument("--batch-size", type=int, help="records per batch (default 2000)")
    serve.add_argument("--runner", choices=("local", "processes", "dask"), default="local")
    serve.add_argument("--dask-address", help="tcp://HOST:PORT of a running Dask scheduler")
    serve.add_argument("--workers", type=int, help="batch tasks in parallel (default 2)")
    add_lake(serve)
    serve.add_argument("--api-url", help="Prefect API (default $PREFECT_API_URL, else "
                       "http://127.0.0.1:4200/api)")

    server = sub.add_parser("server", help="run a local Prefect server for `warta serve`")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=4200)

    sql = sub.add_parser("sql", help="run a SQL query against the warehouse")
    sql.add_argument("query", nargs="?", help="SQL text")
    sql.add_argument("--file", help="read the SQL from this file, or a bundled query's name")
    add_warehouse(sql)
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")

    evaluate = sub.add_parser("eval", help="score extractors against gold data")
    eval_sub = evaluate.add_subparsers(dest="eval_what", required=True)
    ner = eval_sub.add_parser("ner", help="entity-level F1 on an IOB-tagged file, as JSON")
    ner.add_argument("file", help="one token and tag per line (tag last), blank line between "
                     "sentences; PERSON/PER, PLACE/LOC/LOCATION, ORGANISATION/ORG/ORGANIZATION")

    report = sub.add_parser("report", help="write the self-contained HTML quality report")
    add_warehouse(report)
    report.add_argument("--out", help="HTML file (default: <warehouse>_report.html beside it)")

    sub.add_parser("queries", help="list the bundled analyst queries (run: warta sql --file NAME)")

    export = sub.add_parser("export", help="write a table or query to .parquet, .csv or .jsonl")
    export.add_argument("what", help="table or view name, or a SELECT query")
    export.add_argument("--to", required=True, dest="target", help="FILE.parquet|.csv|.jsonl")
    add_warehouse(export)

    status = sub.add_parser("status", help="row counts per table and the last runs")
    add_warehouse(status)

    rebuild = sub.add_parser("rebuild", help="recreate the DuckDB file from its Parquet lake")
    add_warehouse(rebuild)
    rebuild.add_argument("--config", help="YAML config file (near-duplicate settings)")
    add_lake(rebuild)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("warta: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line unless --debug
        if args.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"warta: error: {message}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1


def _exit_on_sigterm() -> None:
    """SIGTERM (timeout, systemd, docker stop): stop the temporary Prefect server, then exit
    with 143. Python's default SIGTERM runs no `finally` or atexit handler, which left the
    server (~230 MB and a port) running without us; unwinding instead can hang on Prefect's
    threads. Exiting at once is what a crash does, which a rerun already repairs. Only the
    main thread may set handlers."""
    import signal
    import threading

    def stop(*_: object) -> None:
        from flows.prefect_env import stop_temporary_servers

        stop_temporary_servers()
        os._exit(143)

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, stop)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "ingest":
        return _ingest(args)
    if args.command == "sql":
        return _sql(args)
    if args.command == "status":
        return _status(args)
    if args.command == "rebuild":
        return _rebuild(args)
    if args.command == "report":
        from expectations.report import report_command

        print(f"warta report: {report_command(args.warehouse, args.out)}")
        return 0
    if args.command == "eval":
        return _eval(args)
    if args.command == "queries":
        return _queries()
    if args.command == "export":
        return _export(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "server":
        from flows.schedule import run_server

        return run_server(args.host, args.port)
    raise UsageError(f"unknown command {args.command}")


def _ingest(args: argparse.Namespace) -> int:
    from flows.memory import configure_allocators

    configure_allocators()  # before pyarrow, DuckDB and threads: see flows.memory
    from transforms.config import load_config
    from transforms.sources import list_source

    if args.batch_size is not None and args.batch_size <= 0:
        raise UsageError("--batch-size must be a positive number")
    config = load_config(args.config)
    # Fail on a missing source before paying for Prefect's start-up.
    listing = list_source(args.source, config.follow_symlinks)
    next(listing, None)

    if args.workers is not None and args.workers <= 0:
        raise UsageError("--workers must be a positive number")
    if args.dask_address and args.runner != "dask":
        raise UsageError("--dask-address goes with --runner dask")

    # Fail on a warehouse another process is writing before paying for Prefect's start-up
    # (the run's own lock, taken later, still decides; this only answers early).
    from warehouse.lock import WriterLock

    with WriterLock(Path(args.warehouse).resolve()):
        pass

    _exit_on_sigterm()  # a stopped run takes its temporary server along
    server = _early_server(args.dask_address)
    if config.quality_gate:  # import Great Expectations while Prefect's server starts
        import threading

        from expectations.gate import warm_up

        threading.Thread(target=warm_up, daemon=True, name="gx-warm-up").start()

    from flows.ingest import run_ingest

    summary = run_ingest(args.source, args.warehouse, batch_size=args.batch_size, config=config,
                         runner=args.runner, dask_address=args.dask_address,
                         workers=args.workers, progress="off" if args.quiet else "auto",
                         lake=args.lake, server=server)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        _print_summary(summary)
    return 0


def _early_server(dask_address: str | None) -> Any:
    """Start the run's temporary Prefect server now (if it needs one), so that its 10-20 s
    start-up overlaps this process's imports; `run_ingest` waits for it and stops it."""
    from flows.prefect_env import (
        TemporaryServer,
        configure_prefect_environment,
        needs_temporary_server,
    )

    configure_prefect_environment()  # before Prefect reads its settings
    if not needs_temporary_server(dask_address):
        return None
    return TemporaryServer().start()


def _serve(args: argparse.Namespace) -> int:
    from flows.memory import configure_allocators

    configure_allocators()  # scheduled runs are processes of their own: they inherit these
    from flows.schedule import ScheduleError, serve

    for name in ("batch_size", "workers", "interval"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    if args.dask_address and args.runner != "dask":
        raise UsageError("--dask-address goes with --runner dask")
    try:
        serve(args.sources, args.warehouse, args.cron, args.interval, config_path=args.config,
              batch_size=args.batch_size, runner=args.runner, dask_address=args.dask_address,
              workers=args.workers, lake=args.lake, api_url=args.api_url)
    except ScheduleError as exc:
        raise UsageError(str(exc)) from exc
    return 0


def _print_summary(summary: dict[str, Any]) -> None:
    print(f"warta ingest: {summary['source']} -> {summary['warehouse']}")
    print(f"  files     {summary['files_seen']} seen, {summary['files_skipped']} unchanged "
          f"(skipped), {summary['files_processed']} read")
    print(f"  records   {summary['records']} = {summary['documents']} documents + "
          f"{summary['duplicates']} exact duplicates + {summary['rejects']} rejects")
    if summary.get("files_already_known"):
        print(f"  known     {summary['files_already_known']} files read are versions the "
              "warehouse already holds (same relative path and bytes: a moved or mirrored "
              "source); they add no rows")
    print(f"  near      {summary.get('near_duplicate_links', 0)} documents linked to a "
          "near-duplicate cluster (they stay in documents)")
    for reason, count in summary["rejects_by_reason"].items():
        print(f"    rejected {reason}: {count}")
    for batch in summary.get("quarantined_batches", []):
        print(f"  QUARANTINED batch {batch['batch_id']}: {batch['files']} files, "
              f"{batch['records']} records kept out by the quality gate (retried next run)")
        uris = batch.get("uris", [])
        for uri in uris[:5]:
            print(f"    file {uri}")
        if batch["files"] > min(len(uris), 5):
            print(f"    ... and {batch['files'] - min(len(uris), 5)} more files")
        for failure in batch["failures"][:5]:
            print(f"    {failure}")
    for check in summary.get("warehouse_checks", []):
        print(f"  check     {check}")
    print(f"  time      {summary['seconds']:.1f} s, run {summary['run_id']}")


def _sql(args: argparse.Namespace) -> int:
    from warehouse.loader import connect_read_only

    if args.file:
        from warehouse.queries import resolve_query_file

        query = resolve_query_file(args.file).read_text(encoding="utf-8")
    elif args.query:
        query = args.query
    else:
        raise UsageError("give a query or --file QUERY.sql")
    con = connect_read_only(Path(args.warehouse))
    try:
        cursor = con.execute(query)
        if cursor.description is None:
            return 0
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    _print_rows(columns, rows, args.format)
    return 0


def _print_rows(columns: list[str], rows: list[tuple], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str,
                         ensure_ascii=False, indent=1))
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, show_lines=False)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console(width=max(100, min(200, os.get_terminal_size(0).columns
                                   if sys.stdout.isatty() else 160))).print(table)


def _status(args: argparse.Namespace) -> int:
    from warehouse.loader import connect_read_only

    con = connect_read_only(Path(args.warehouse))
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "ORDER BY table_name").fetchall()]
        counts = [(t, con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
        runs = con.execute(
            "SELECT run_id, status, started_at, seconds, records_seen, documents, duplicates, "
            "rejects FROM runs ORDER BY started_at DESC LIMIT 5").fetchall()
    finally:
        con.close()
    print(f"warehouse {args.warehouse}")
    _print_rows(["table", "rows"], counts, "table")
    _print_rows(["run_id", "status", "started_at", "seconds", "records", "documents",
                 "duplicates", "rejects"], runs, "table")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from transforms.entities import score_iob_file

    if not Path(args.file).is_file():
        raise UsageError(f"no such file: {args.file}")
    print(json.dumps(score_iob_file(args.file), indent=2))
    return 0


def _queries() -> int:
    from warehouse.queries import bundled_queries

    for query in bundled_queries():
        print(f"{query.name:32} {query.description}")
    print("\nrun one with: warta sql --file NAME [--warehouse PATH]")
    return 0


def _export(args: argparse.Namespace) -> int:
    from warehouse.export import export
    from warehouse.loader import connect_read_only

    con = connect_read_only(Path(args.warehouse))
    try:
        n = export(con, args.what, args.target)
    finally:
        con.close()
    print(f"warta export: {n} rows -> {args.target}")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from transforms.config import load_config
    from warehouse.loader import rebuild_warehouse

    config = load_config(args.config)
    n = rebuild_warehouse(args.warehouse, near_dup_config=config.near_dup_config(),
                          lake=args.lake, boilerplate=(config.boilerplate_min_docs,
                                                       config.boilerplate_min_share))
    print(f"warta rebuild: {args.warehouse} recreated from {n} committed batches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
