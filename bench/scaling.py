"""Scaling tables: throughput and peak memory per task runner, and incremental-run cost
against a growing warehouse.

Table 1: the N-document corpus ingested into a fresh warehouse under each runner (threads,
processes, a local two-worker Dask cluster): records/s, documents/s, wall seconds, peak
RSS of the whole process tree (sampled every 0.2 s; Dask and pool workers included) and
the largest single process (getrusage, self and waited-for children).

Table 2: the cost of the flow's own stages, dedupe + lake write + load (`commit_batch`,
near-duplicate linking included when enabled), for the same M new documents when the
warehouse already holds 0, N and 2N documents. An incremental run's cost must follow M,
not the history.

Each measurement runs in a fresh subprocess (so peak-memory figures do not leak between
rows) against one Prefect server started here (so no run pays for a temporary server).

    uv run python -m bench.scaling --docs 2000              # smoke test, a few minutes
    uv run python -m bench.scaling --docs 100000            # the issue's figures
    uv run python -m bench.scaling --corpus /tmp/warta-bench/100000 --skip-incremental
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.memory import TreeMemory

RUNNERS = ("local", "processes", "dask")
RECORDS_PER_FILE = 1000  # bench.make_corpus writes parts of 1,000 records


# -- corpus ---------------------------------------------------------------------------------
def ensure_corpus(n: int, root: Path) -> Path:
    """The make_corpus folder for n documents, generated when missing."""
    folder = root / str(n)
    if not (folder / "truth.jsonl").exists():
        from bench.make_corpus import make_corpus

        print(f"generating a {n}-document corpus in {folder} ...", file=sys.stderr, flush=True)
        make_corpus(n, folder)
    return folder


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.jsonl"))


def link_parts(files: list[Path], dest: Path) -> Path:
    """A source folder holding just these part files (hard links, or copies)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = dest / f.name
        if not target.exists():
            try:
                os.link(f, target)
            except OSError:
                shutil.copy2(f, target)
    return dest


# -- one measurement (child process) --------------------------------------------------------
def measure(source: str, warehouse: str, runner: str, workers: int, batch_size: int) -> dict:
    """Run one ingest here and return its figures (called in a fresh child process)."""
    from flows.ingest import run_ingest
    from warehouse.loader import Warehouse

    commit_seconds = [0.0]
    original = Warehouse.commit_batch

    def timed_commit(self: Warehouse, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            commit_seconds[0] += time.perf_counter() - started

    Warehouse.commit_batch = timed_commit  # type: ignore[method-assign]
    with TreeMemory() as tree:
        started = time.perf_counter()
        summary = run_ingest(source, warehouse, runner=runner, workers=workers,
                             batch_size=batch_size, progress="off")
        wall = time.perf_counter() - started
    kib = 1024  # ru_maxrss is in KiB on Linux
    return {
        "runner": runner, "records": summary["records"], "documents": summary["documents"],
        "duplicates": summary["duplicates"], "rejects": summary["rejects"],
        "batches": summary["batches"], "seconds": round(wall, 2),
        "flow_seconds": summary["seconds"], "commit_seconds": round(commit_seconds[0], 2),
        "peak_tree_rss_mb": round(tree.peak / 2**20, 1),
        "max_rss_self_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib
                                 / 2**20, 1),
        "max_rss_children_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                                     * kib / 2**20, 1),
    }


def run_child(env: dict[str, str], source: Path, warehouse: Path, runner: str, workers: int,
              batch_size: int, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "bench.scaling", "--one", runner, "--source", str(source),
           "--warehouse", str(warehouse), "--workers", str(workers),
           "--batch-size", str(batch_size)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{runner} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- Prefect server for all children --------------------------------------------------------
class PrefectServer:
    def __init__(self, home: Path) -> None:
        from flows.schedule import server_command, server_env

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/api"
        env = server_env()
        env.update(PREFECT_HOME=str(home), PREFECT_SERVER_UI_ENABLED="false",
                   PREFECT_UI_ENABLED="false")
        self.log = (home.parent / "prefect-server.log").open("wb")
        self.proc = subprocess.Popen(server_command("127.0.0.1", port), env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait(self, timeout: float = 180) -> None:
        from flows.schedule import ServerUnreachable, check_server_reachable

        deadline = time.monotonic() + timeout
        while True:
            try:
                check_server_reachable(self.url, timeout=2)
                return
            except ServerUnreachable:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(1)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


# -- tables ---------------------------------------------------------------------------------
def scaling_table(env: dict[str, str], corpus: Path, work: Path, runners: list[str],
                  workers: int, batch_size: int, timeout: float) -> list[dict]:
    out = []
    for runner in runners:
        wh = work / f"scaling-{runner}" / "w.duckdb"
        row = run_child(env, corpus, wh, runner, workers, batch_size, timeout)
        row["records_per_s"] = round(row["records"] / row["seconds"], 1)
        row["documents_per_s"] = round(row["documents"] / row["seconds"], 1)
        out.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        shutil.rmtree(wh.parent, ignore_errors=True)
    return out


def incremental_table(env: dict[str, str], corpus: Path, work: Path, n: int, new: int,
                      workers: int, batch_size: int, timeout: float,
                      runner: str = "local") -> list[dict]:
    """Dedupe + load cost of `new` documents on top of 0, n and 2n documents of history."""
    files = parts(corpus)
    per_n, per_new = n // RECORDS_PER_FILE, new // RECORDS_PER_FILE
    if len(files) < 2 * per_n + per_new:
        raise SystemExit(f"{corpus} has {len(files)} parts; need {2 * per_n + per_new}")
    hist_a = link_parts(files[:per_n], work / "src" / "history-a")
    hist_b = link_parts(files[per_n:2 * per_n], work / "src" / "history-b")
    fresh = link_parts(files[2 * per_n:2 * per_n + per_new], work / "src" / "new")
    base = work / "inc-base" / "w.duckdb"
    out = []
    for level, history in enumerate((None, hist_a, hist_b)):
        if history is not None:  # grow the base warehouse by n documents
            run_child(env, history, base, runner, workers, batch_size, timeout)
        trial = work / f"inc-{level}" / "w.duckdb"
        shutil.rmtree(trial.parent, ignore_errors=True)
        trial.parent.mkdir(parents=True)
        if base.exists():
            shutil.copy2(base, trial)
            shutil.copytree(base.with_name("w.lake"), trial.with_name("w.lake"))
        held = _count_documents(trial)
        row = run_child(env, fresh, trial, runner, workers, batch_size, timeout)
        out.append({"history_documents": held, "new_records": row["records"],
                    "new_documents": row["documents"], "duplicates": row["duplicates"],
                    "dedupe_load_seconds": row["commit_seconds"],
                    "dedupe_load_ms_per_record": round(1000 * row["commit_seconds"]
                                                       / max(row["records"], 1), 3),
                    "run_seconds": row["seconds"]})
        print(json.dumps(out[-1]), file=sys.stderr, flush=True)
        shutil.rmtree(trial.parent, ignore_errors=True)
    return out


def _count_documents(db: Path) -> int:
    if not db.exists():
        return 0
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
    finally:
        con.close()


def markdown(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100_000, help="N, the corpus size")
    ap.add_argument("--corpus", type=Path, help="a make_corpus folder (default: generated)")
    ap.add_argument("--root", type=Path, default=Path("/tmp/warta-bench"))
    ap.add_argument("--runners", default=",".join(RUNNERS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--new", type=int, help="new documents per incremental run "
                    "(default N/10, at least 1,000)")
    ap.add_argument("--skip-incremental", action="store_true")
    ap.add_argument("--incremental-runner", choices=RUNNERS, default="local")
    ap.add_argument("--timeout", type=float, default=4 * 3600, help="per measurement")
    ap.add_argument("--json", type=Path, help="also write both tables here")
    # internal: one measurement in this process
    ap.add_argument("--one", choices=RUNNERS, help=argparse.SUPPRESS)
    ap.add_argument("--source", help=argparse.SUPPRESS)
    ap.add_argument("--warehouse", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.one:
        print(json.dumps(measure(args.source, args.warehouse, args.one, args.workers,
                                 args.batch_size)))
        return 0

    n = args.docs
    new = args.new or max(RECORDS_PER_FILE, n // 10 // RECORDS_PER_FILE * RECORDS_PER_FILE)
    if n % RECORDS_PER_FILE or new % RECORDS_PER_FILE:
        raise SystemExit(f"--docs and --new must be multiples of {RECORDS_PER_FILE}")
    corpus = args.corpus or ensure_corpus(n, args.root)
    work = Path(tempfile.mkdtemp(prefix="warta-scaling-", dir=args.root
                                 if args.root.is_dir() else None))
    server = PrefectServer(work / "prefect-home")
    results: dict[str, Any] = {"docs": n, "new": new, "workers": args.workers,
                               "batch_size": args.batch_size, "cpus": os.cpu_count()}
    try:
        server.wait()
        env = dict(os.environ, PREFECT_API_URL=server.url, PREFECT_HOME=str(work / "client"))
        env.pop("WARTA_FAILPOINT", None)
        corpus_n = link_parts(parts(corpus)[:n // RECORDS_PER_FILE], work / "src" / "corpus")
        results["scaling"] = scaling_table(env, corpus_n, work,
                                           [r for r in args.runners.split(",") if r],
                                           args.workers, args.batch_size, args.timeout)
        print(f"\n## Ingest of {n:,} documents per runner ({args.workers} workers, "
              f"{os.cpu_count()} CPUs)\n")
        print(markdown(results["scaling"], ["runner", "records", "documents", "seconds",
                                            "records_per_s", "documents_per_s",
                                            "peak_tree_rss_mb", "max_rss_self_mb",
                                            "max_rss_children_mb"]))
        if not args.skip_incremental:
            big = args.corpus or ensure_corpus(2 * n + new, args.root)
            results["incremental"] = incremental_table(env, big, work, n, new, args.workers,
                                                       args.batch_size, args.timeout,
                                                       args.incremental_runner)
            print(f"\n## Dedupe + load of {new:,} new documents vs documents already held\n")
            print(markdown(results["incremental"], [
                "history_documents", "new_records", "new_documents", "duplicates",
                "dedupe_load_seconds", "dedupe_load_ms_per_record", "run_seconds"]))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
