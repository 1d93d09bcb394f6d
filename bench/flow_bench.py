"""The whole ingest flow on a generated corpus: docs/s, MB/s, peak memory, duplicate P/R.

Runs `warta ingest` in a subprocess (a real Prefect flow run), samples the resident memory
of its whole process tree (workers included), then scores the warehouse's clusters
(exact duplicates folded into their canonical's cluster) against the planted truth.

    uv run python -m bench.flow_bench --docs 20000,100000 --runner local
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from bench.make_corpus import make_corpus, read_truth
from bench.memory import TreeMemory
from bench.synth import pair_scores


def corpus_folder(n: int, workdir: Path) -> Path:
    """Generated once per size; the JSONL parts are hard-linked into docs/ (truth stays out)."""
    corpus = workdir / f"corpus-{n}"
    if not (corpus / "truth.jsonl").exists():
        make_corpus(n, corpus)
    docs = corpus / "docs"
    if not docs.exists():
        docs.mkdir()
        for part in sorted(corpus.glob("part-*.jsonl")):
            os.link(part, docs / part.name)
    return corpus


def run_flow(source: Path, db: Path, runner: str, extra: list[str] | None = None,
             api_url: str | None = None) -> dict:
    """One `warta ingest` run; with `api_url` it reports to that Prefect server, which is
    then outside the measured process tree (as a deployment's server would be)."""
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(source), "--warehouse", str(db),
           "--runner", runner, "--quiet", "--json", *(extra or [])]
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    with TreeMemory(proc.pid, pss=True) as memory:
        out, err = proc.communicate()
    wall = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"warta ingest failed ({proc.returncode}): {err[-2000:]}")
    summary = json.loads(out[out.index("{"):])
    summary["wall_seconds"] = wall
    summary["peak_rss_mb"] = memory.peak / 1e6
    summary["peak_pss_mb"] = memory.peak_pss / 1e6
    summary["peak_by_role_mb"] = {k: round(v / 1e6) for k, v in memory.at_peak.items()}
    summary["role_peaks_mb"] = {k: round(v / 1e6) for k, v in memory.role_peaks.items()}
    summary["cpu_seconds"] = cpu  # all processes of the run, Prefect's server included
    return summary


@contextmanager
def _prefect_server() -> Iterator[str]:
    """A Prefect API server of its own, started the way warta starts its temporary one."""
    from flows.prefect_env import TemporaryServer, configure_prefect_environment

    configure_prefect_environment()
    server = TemporaryServer()
    try:
        yield server.start().wait()
    finally:
        server.stop()


def duplicate_scores(db: Path, corpus: Path) -> dict[str, float]:
    truth = read_truth(corpus)
    con = duckdb.connect(str(db), read_only=True)
    try:
        docs = con.execute("SELECT url, coalesce(cluster_id, doc_id) FROM documents").fetchall()
        exact = con.execute("""
            SELECT x.source_uri, x.record_index, coalesce(c.cluster_id, c.doc_id)
            FROM duplicates x JOIN documents c ON c.doc_id = x.canonical_doc_id
            WHERE x.kind = 'exact'""").fetchall()
    finally:
        con.close()
    urls = _urls_of_records(corpus, {(uri, idx) for uri, idx, _ in exact})
    predicted, stories = [], []
    for url, cluster in docs:
        if url in truth:
            predicted.append(cluster)
            stories.append(truth[url])
    for uri, idx, cluster in exact:
        url = urls.get((uri, idx))
        if url in truth:
            predicted.append(cluster)
            stories.append(truth[url])
    return pair_scores(predicted, stories)


def _urls_of_records(corpus: Path, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Exact duplicates keep no url column: read it back from the raw JSONL lines."""
    out: dict[tuple[str, int], str] = {}
    by_file: dict[str, set[int]] = {}
    for uri, idx in wanted:
        by_file.setdefault(uri, set()).add(idx)
    for uri, indexes in by_file.items():
        with open(uri, encoding="utf-8") as fh:
            index = 0
            for line in fh:
                if not line.strip():
                    continue
                if index in indexes:
                    out[(uri, index)] = json.loads(line).get("url")
                index += 1
    return out


def bench(sizes: list[int], runner: str, workdir: Path, extra: list[str] | None = None,
          external_server: bool = False) -> list[dict]:
    results = []
    for n in sizes:
        corpus = corpus_folder(n, workdir)
        db = workdir / f"wh-{n}-{runner}" / "warta.duckdb"
        shutil.rmtree(db.parent, ignore_errors=True)
        if external_server:
            with _prefect_server() as api_url:
                summary = run_flow(corpus / "docs", db, runner, extra, api_url=api_url)
        else:
            summary = run_flow(corpus / "docs", db, runner, extra)
        nbytes = sum(p.stat().st_size for p in (corpus / "docs").glob("*.jsonl"))
        scores = duplicate_scores(db, corpus)
        results.append({
            "documents_in": n, "runner": runner, "flow_seconds": summary["seconds"],
            "wall_seconds": round(summary["wall_seconds"], 1),
            "cpu_seconds": round(summary["cpu_seconds"], 1),
            "docs_per_cpu_s": round(n / summary["cpu_seconds"], 1),
            "docs_per_s": round(n / summary["seconds"], 1),
            "mb_per_s": round(nbytes / 1e6 / summary["seconds"], 2),
            "peak_rss_mb": round(summary["peak_rss_mb"]),
            "peak_pss_mb": round(summary["peak_pss_mb"]),
            "prefect_server": "external" if external_server else "temporary, measured",
            "peak_by_role_mb": summary["peak_by_role_mb"],  # the tree's peak, split
            "role_peaks_mb": summary["role_peaks_mb"],  # each role's own peak
            "documents": summary["documents"], "exact": summary["duplicates"],
            "near_links": summary.get("near_duplicate_links"),
            "rejects": summary["rejects"],
            "pair_precision": round(scores["precision"], 4),
            "pair_recall": round(scores["recall"], 4),
        })
        print(json.dumps(results[-1]), flush=True)
    return results


def print_table(results: list[dict]) -> None:
    cols = ["documents_in", "runner", "flow_seconds", "docs_per_s", "docs_per_cpu_s", "mb_per_s",
            "peak_rss_mb", "peak_pss_mb",
            "pair_precision", "pair_recall"]
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default="20000,100000")
    parser.add_argument("--runner", default="local")
    parser.add_argument("--workdir", default="/tmp/warta-bench")
    parser.add_argument("--config", help="a warta config file for the runs (YAML)")
    parser.add_argument("--external-server", action="store_true",
                        help="run against a Prefect server started beforehand, outside the "
                             "measured tree (default: warta's temporary server, measured)")
    args = parser.parse_args(argv)
    extra = ["--config", args.config] if args.config else []
    results = bench([int(x) for x in args.docs.split(",")], args.runner, Path(args.workdir),
                    extra, external_server=args.external_server)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
