"""Time the near-duplicate stage on a generated corpus: docs/s, MB/s, peak RSS, pair P/R.

Two ways, both on the same JSONL files (bench/make_corpus.py):
- memory: signatures per file, then LSH buckets, confirmation and components in numpy over
  the whole corpus (bench.inmemory): the stage alone, comparable to datatrove's pipeline;
- warehouse: file by file as the loader will run it: insert the documents, store_minhash,
  link_batch against everything stored before, in one DuckDB transaction per file.
Each size runs in its own process so that peak memory is that size's own.

    uv run python -m bench.dedupe_bench --sizes 20000,100000 --modes memory,warehouse
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.json as pj

from bench.make_corpus import make_corpus, read_truth
from bench.synth import pair_scores
from transforms.near_dupes import NearDupConfig, signature_matrix

# DuckDB caches table blocks up to its memory_limit (default: 80% of RAM), which is most of
# a warehouse process's RSS; the loader should set it. The bench uses this value.
DUCKDB_MEMORY = "256MB"


def read_file(path: Path) -> tuple[list[str], pa.Array, int]:
    """(urls, bodies as an Arrow array, bytes) of one JSONL file, parsed by Arrow."""
    tbl = pj.read_json(path)
    return (tbl.column("url").to_pylist(), tbl.column("text").combine_chunks(),
            path.stat().st_size)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_memory(folder: Path, cfg: NearDupConfig) -> dict:
    """Signatures file by file (bodies dropped after each), then LSH + clusters at once."""
    from bench.inmemory import band_keys, candidate_pairs, components, pair_similarity

    t = {"read": 0.0, "signatures": 0.0}
    urls: list[str] = []
    sigs, counts = [], []
    n_bytes = 0
    for f in sorted(folder.glob("part-*.jsonl")):
        t0 = time.perf_counter()
        u, bodies, nb = read_file(f)
        t1 = time.perf_counter()
        for lo in range(0, len(bodies), 512):
            s, c = signature_matrix(bodies[lo: lo + 512], cfg)
            sigs.append(s)
            counts.append(c)
        t["signatures"] += time.perf_counter() - t1
        t["read"] += t1 - t0
        urls += u
        n_bytes += nb
    t0 = time.perf_counter()
    sig = np.concatenate(sigs)
    n_sh = np.concatenate(counts)
    eligible = np.flatnonzero(n_sh >= cfg.min_shingles)
    keys = band_keys(sig[eligible], cfg)
    t1 = time.perf_counter()
    cand = eligible[candidate_pairs(keys)]
    t2 = time.perf_counter()
    sims = pair_similarity(sig, cand[:, 0], cand[:, 1])
    confirmed = cand[sims >= cfg.threshold]
    t3 = time.perf_counter()
    labels = components(len(sig), confirmed)
    t4 = time.perf_counter()
    t.update(bands=t1 - t0, lsh=t2 - t1, confirm=t3 - t2, clusters=t4 - t3)
    return {"urls": urls, "labels": labels.tolist(), "bytes": n_bytes, "seconds": t,
            "candidates": len(cand), "confirmed": len(confirmed)}


def run_warehouse(folder: Path, cfg: NearDupConfig) -> dict:
    """Loader-shaped: one transaction per file with store_minhash + link_batch."""
    import duckdb

    from transforms.near_dupes import signature_table
    from warehouse.near_dupes import link_batch, store_minhash
    from warehouse.schema import apply_schema

    t = {"read": 0.0, "signatures": 0.0, "insert": 0.0, "link": 0.0, "commit": 0.0}
    per_batch_link: list[float] = []
    per_batch_link_cpu: list[float] = []
    n_bytes = 0
    candidates = confirmed = 0
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        apply_schema(con)
        for n, f in enumerate(sorted(folder.glob("part-*.jsonl"))):
            t0 = time.perf_counter()
            urls, bodies, nb = read_file(f)
            n_bytes += nb
            batch = f"b{n:05d}"
            ids = [f"{batch}-{i:04d}" for i in range(len(urls))]
            t1 = time.perf_counter()
            sigs = signature_table(ids, bodies, cfg)
            t2 = time.perf_counter()
            k = len(ids)
            docs = pa.table({
                "doc_id": ids, "source_uri": [str(f)] * k, "record_index": list(range(k)),
                "file_hash": ["h"] * k, "format": ["jsonl"] * k, "url": urls, "body": bodies,
                "content_hash": ids, "n_paragraphs": [1] * k, "n_repeated_paragraphs": [0] * k,
                "n_boilerplate_lines": [0] * k, "n_chars": pa.compute.utf8_length(bodies),
                "run_id": ["bench"] * k, "batch_id": [batch] * k,
            })
            con.execute("BEGIN")
            con.register("_docs", docs)
            con.execute("INSERT INTO documents BY NAME SELECT *, now() AS ingested_at FROM _docs")
            con.unregister("_docs")
            store_minhash(con, batch, sigs, cfg=cfg)
            t3, c3 = time.perf_counter(), time.process_time()
            stats = link_batch(con, batch, "bench", cfg)
            t4 = time.perf_counter()
            per_batch_link_cpu.append(time.process_time() - c3)
            con.execute("COMMIT")
            t["commit"] += time.perf_counter() - t4
            candidates += stats["candidates"]
            confirmed += stats["confirmed"]
            per_batch_link.append(t4 - t3)
            t["read"] += t1 - t0
            t["signatures"] += t2 - t1
            t["insert"] += t3 - t2
            t["link"] += t4 - t3
        rows = con.execute("SELECT url, cluster_id FROM documents").fetchall()
        con.close()
    q = len(per_batch_link) // 5 or 1
    return {"urls": [r[0] for r in rows], "labels": [r[1] for r in rows], "bytes": n_bytes,
            "seconds": t, "candidates": candidates, "confirmed": confirmed,
            "link_ms_first_fifth": 1000 * float(np.mean(per_batch_link[:q])),
            "link_ms_last_fifth": 1000 * float(np.mean(per_batch_link[-q:])),
            "link_cpu_ms_first_fifth": 1000 * float(np.mean(per_batch_link_cpu[:q])),
            "link_cpu_ms_last_fifth": 1000 * float(np.mean(per_batch_link_cpu[-q:]))}


def bench_one(n: int, mode: str, root: Path, cfg: NearDupConfig) -> dict:
    """One size, one mode, in this process."""
    folder = root / str(n)
    if not (folder / "truth.jsonl").exists():
        make_corpus(n, folder)
    truth = read_truth(folder)
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = run_memory(folder, cfg) if mode == "memory" else run_warehouse(folder, cfg)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    not_ours = res["seconds"]["read"]
    if mode == "warehouse":
        not_ours += res["seconds"]["insert"] + res["seconds"]["commit"]  # the loader's part
    stage = wall - not_ours
    # CPU time of the stage: the machine is shared, so wall time alone over-states the cost.
    stage_cpu = cpu * (stage / wall)
    scores = pair_scores(res["labels"], [truth[u] for u in res["urls"]])
    out = {
        "mode": mode, "documents": len(res["urls"]), "mb": res["bytes"] / 1e6,
        "stage_seconds": stage, "docs_per_s": len(res["urls"]) / stage,
        "docs_per_cpu_s": len(res["urls"]) / stage_cpu,
        # With reading and parsing the JSONL, as datatrove's signature step does.
        "docs_per_s_with_read": len(res["urls"]) / (stage + res["seconds"]["read"]),
        "docs_per_cpu_s_with_read": len(res["urls"]) / (stage_cpu + cpu * res["seconds"]["read"] / wall),
        "mb_per_s": res["bytes"] / 1e6 / stage, "peak_rss_mb": peak_rss_mb(),
        "precision": scores["precision"], "recall": scores["recall"],
        "candidates": res["candidates"], "confirmed": res["confirmed"],
        "seconds": {k: round(v, 2) for k, v in res["seconds"].items()},
    }
    for k in ("link_ms_first_fifth", "link_ms_last_fifth", "link_cpu_ms_first_fifth",
              "link_cpu_ms_last_fifth"):
        if k in res:
            out[k] = round(res[k], 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--modes", default="memory,warehouse")
    ap.add_argument("--root", type=Path, default=Path("/tmp/warta-bench"))
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    cfg = NearDupConfig()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    if args.one:
        print(json.dumps(bench_one(sizes[0], modes[0], args.root, cfg)))
        return 0
    print(f"settings: {cfg.fingerprint} threshold {cfg.threshold}")
    results = []
    for mode in modes:
        for n in sizes:
            proc = subprocess.run(
                [sys.executable, "-m", "bench.dedupe_bench", "--one", "--sizes", str(n),
                 "--modes", mode, "--root", str(args.root)],
                capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(r)
            extra = (f"\n          link_batch per 1,000 docs: first fifth {r['link_ms_first_fifth']} ms "
                     f"({r['link_cpu_ms_first_fifth']} ms CPU), last fifth "
                     f"{r['link_ms_last_fifth']} ms ({r['link_cpu_ms_last_fifth']} ms CPU)"
                     if "link_ms_last_fifth" in r else "")
            print(f"{mode:9} {r['documents']:>7} docs: {r['docs_per_s']:>8.0f} docs/s "
                  f"({r['docs_per_cpu_s']:.0f} per CPU-s) "
                  f"{r['mb_per_s']:>6.1f} MB/s  peak RSS {r['peak_rss_mb']:>6.0f} MB  "
                  f"P {r['precision']:.3f} R {r['recall']:.3f}  times {r['seconds']}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
