"""datatrove's MinHash dedup on a bench corpus; runs inside the separate datatrove venv.

Not imported by warta: bench/datatrove_bench.py starts it with the venv's python. Stages
1-3 (signatures, buckets, clusters) are what our dedupe stage does; stage 4 (filter) only
re-reads the corpus to write kept/removed documents, and is timed apart. The tokenizer is
plain whitespace splitting (datatrove's default for a language loads spaCy/NLTK and is
~5x slower); the text normalisation (simplify_text) is datatrove's own.

    /tmp/dt-venv/bin/python bench/datatrove_run.py CORPUS_DIR WORK_DIR [--tasks 1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import sys
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synth import pair_scores  # noqa: E402  (stdlib-only module)


class SplitTokenizer(WordTokenizer):
    """Whitespace words: what our tokeniser costs, without spaCy."""

    def word_tokenize(self, text: str) -> list[str]:
        return text.split()

    def sent_tokenize(self, text: str) -> list[str]:
        return text.split("\n")

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        raise NotImplementedError


def _cpu() -> float:
    """CPU seconds of this process and its finished children (workers > 1 fork)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run(corpus: Path, work: Path, tasks: int) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    config = MinhashConfig(hash_config=HashConfig(precision=64))  # datatrove defaults otherwise

    def reader() -> JsonlReader:
        return JsonlReader(str(corpus), glob_pattern="part-*.jsonl", text_key="text", id_key="url")

    files = len(list(corpus.glob("part-*.jsonl")))
    stages = {
        "signatures": LocalPipelineExecutor(
            pipeline=[reader(), MinhashDedupSignature(output_folder=str(work / "sigs"), config=config,
                                                      language=SplitTokenizer())],
            tasks=tasks, workers=tasks, logging_dir=str(work / "logs/sigs")),
        "buckets": LocalPipelineExecutor(
            pipeline=[MinhashDedupBuckets(input_folder=str(work / "sigs"),
                                          output_folder=str(work / "buckets"), config=config)],
            tasks=config.num_buckets, workers=tasks, logging_dir=str(work / "logs/buckets")),
        "clusters": LocalPipelineExecutor(
            pipeline=[MinhashDedupCluster(input_folder=str(work / "buckets"),
                                          output_folder=str(work / "remove_ids"), config=config,
                                          save_cluster_id=True)],
            tasks=1, logging_dir=str(work / "logs/clusters")),
        "filter": LocalPipelineExecutor(
            pipeline=[reader(),
                      MinhashDedupFilter(input_folder=str(work / "remove_ids"), load_cluster_ids=True,
                                         exclusion_writer=JsonlWriter(str(work / "removed"))),
                      JsonlWriter(str(work / "kept"))],
            tasks=tasks, workers=tasks, logging_dir=str(work / "logs/filter")),
    }
    seconds, cpu = {}, {}
    for name, ex in stages.items():
        t0, c0 = time.perf_counter(), _cpu()
        ex.run()
        seconds[name] = time.perf_counter() - t0
        cpu[name] = _cpu() - c0
    # Cluster label per document: datatrove's cluster id, or the document itself.
    urls, labels = [], []
    for sub in ("kept", "removed"):
        for f in sorted((work / sub).glob("*.jsonl*")):
            opener = gzip.open if f.suffix == ".gz" else open
            with opener(f, "rt", encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    cid = d.get("metadata", {}).get("minhash_cluster_id", -1)
                    urls.append(d["id"])
                    labels.append(f"c{cid}" if cid != -1 else d["id"])
    truth = {}
    with (corpus / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            for u in g["urls"]:
                truth[u] = g["story"]
    scores = pair_scores(labels, [truth[u] for u in urls])
    stage = seconds["signatures"] + seconds["buckets"] + seconds["clusters"]
    stage_cpu = cpu["signatures"] + cpu["buckets"] + cpu["clusters"]
    return {"documents": len(urls), "files": files, "tasks": tasks,
            "stage_seconds": stage, "docs_per_s": len(urls) / stage,
            "docs_per_cpu_s": len(urls) / stage_cpu,
            "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "precision": scores["precision"], "recall": scores["recall"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "config": str(config)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--tasks", type=int, default=1)
    args = ap.parse_args(argv)
    print(json.dumps(run(args.corpus, args.work, args.tasks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
