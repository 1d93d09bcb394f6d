"""Does link_batch's cost grow with the history? Time one batch against 0/100k/200k stored docs.

History: the 100k bench corpus loaded in bulk (documents + minhash rows, clusters from the
in-memory stage), topped up with filler documents whose signatures are random (they match
nothing, but the candidate join still has to read their band keys). The measured batch is
a file of the 20k corpus plus near copies of stored documents, so it has real work to do.

    uv run python -m bench.link_scaling --history 0,100000,200000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bench.dedupe_bench import read_file
from bench.make_corpus import make_corpus
from bench.synth import Mutator
from transforms.near_dupes import NearDupConfig, band_table, signature_table
from warehouse.near_dupes import link_batch, store_minhash
from warehouse.schema import apply_schema


def _docs(ids: list[str], bodies: pa.Array, batch: str) -> pa.Table:
    k = len(ids)
    return pa.table({
        "doc_id": ids, "source_uri": ["bench"] * k, "record_index": list(range(k)),
        "file_hash": ["h"] * k, "format": ["jsonl"] * k, "body": bodies, "content_hash": ids,
        "n_paragraphs": [1] * k, "n_repeated_paragraphs": [0] * k, "n_boilerplate_lines": [0] * k,
        "n_chars": pc.utf8_length(bodies), "cluster_id": ids, "run_id": ["hist"] * k,
        "batch_id": [batch] * k,
    })


def _insert(con: duckdb.DuckDBPyConnection, docs: pa.Table) -> None:
    con.register("_d", docs)
    con.execute("INSERT INTO documents BY NAME SELECT *, now() AS ingested_at FROM _d")
    con.unregister("_d")


def build_history(con: duckdb.DuckDBPyConnection, n: int, root: Path, cfg: NearDupConfig) -> None:
    """n stored documents: bench-corpus files first, then random-signature filler."""
    folder = root / "100000"
    if not (folder / "truth.jsonl").exists():
        make_corpus(100_000, folder)
    loaded = 0
    for i, f in enumerate(sorted(folder.glob("part-*.jsonl"))):
        if loaded >= n:
            return
        _urls, bodies, _ = read_file(f)
        batch = f"h{i:05d}"
        ids = [f"{batch}-{j:04d}" for j in range(len(bodies))]
        _insert(con, _docs(ids, bodies, batch))
        store_minhash(con, batch, signature_table(ids, bodies, cfg), cfg=cfg)
        loaded += len(ids)
    rng = np.random.default_rng(0)
    while loaded < n:
        k = min(10_000, n - loaded)
        batch = f"f{loaded:07d}"
        ids = [f"{batch}-{j:05d}" for j in range(k)]
        sig = rng.integers(0, 2**32, size=(k, cfg.num_perm), dtype=np.uint32)
        sigs = pa.table({"doc_id": ids,
                         "signature": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), cfg.num_perm),
                         "n_shingles": pa.array([100] * k, pa.int32())})
        _insert(con, _docs(ids, pa.array(["filler"] * k), batch))
        store_minhash(con, batch, sigs, band_table(sigs, cfg), cfg=cfg)
        loaded += k


def time_batch(con: duckdb.DuckDBPyConnection, root: Path, cfg: NearDupConfig,
               history: int, repeats: int = 3) -> dict:
    """Load one 1,000-document batch (900 new + 100 near copies of history) and link it."""
    folder = root / "20000"
    if not (folder / "truth.jsonl").exists():
        make_corpus(20_000, folder)
    _urls, bodies, _ = read_file(sorted(folder.glob("part-*.jsonl"))[0])
    texts = bodies.to_pylist()[:900]
    if history:
        old = con.execute("SELECT body FROM documents WHERE body <> 'filler' ORDER BY doc_id "
                          "LIMIT 100").fetchall()
        mut = Mutator(1, ["kata", "baru", "lagi"], ["Judul"])
        texts += [mut.copy(b[0], "edit", "x")[0] for b in old]
    results = []
    for r in range(repeats):
        batch = f"t{r}"
        ids = [f"{batch}-{j:04d}" for j in range(len(texts))]
        arr = pa.array(texts)
        sigs = signature_table(ids, arr, cfg)
        con.execute("BEGIN")
        _insert(con, _docs(ids, arr, batch).drop_columns(["cluster_id"]))
        store_minhash(con, batch, sigs, cfg=cfg)
        t0, c0 = time.perf_counter(), time.process_time()
        stats = link_batch(con, batch, "bench", cfg)
        stats["cpu_ms"] = 1000 * (time.process_time() - c0)
        results.append((time.perf_counter() - t0, stats))
        con.execute("ROLLBACK")
    best = min(results, key=lambda x: x[0])
    return {"history": history, "link_ms": round(1000 * best[0], 1),
            "cpu_ms": round(min(r[1]["cpu_ms"] for r in results), 1),
            "steps_ms": {k: round(1000 * v, 1) for k, v in best[1]["seconds"].items()},
            "candidates": best[1]["candidates"], "confirmed": best[1]["confirmed"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--history", default="0,100000,200000")
    ap.add_argument("--root", type=Path, default=Path("/tmp/warta-bench"))
    args = ap.parse_args(argv)
    cfg = NearDupConfig()
    for h in (int(x) for x in args.history.split(",")):
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            con = duckdb.connect(str(Path(tmp) / "scale.duckdb"))
            apply_schema(con)
            t0 = time.perf_counter()
            build_history(con, h, args.root, cfg)
            con.execute("CHECKPOINT")
            built = time.perf_counter() - t0
            r = time_batch(con, args.root, cfg, h)
            con.close()
        print(f"history {h:>7} docs (built in {built:.0f}s): link_batch of 1,000 docs "
              f"{r['link_ms']} ms wall, {r['cpu_ms']} ms CPU (best of 3) {r['steps_ms']}, {r['candidates']} candidates, "
              f"{r['confirmed']} confirmed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
