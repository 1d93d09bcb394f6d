"""`make bench`: every benchmark in one go, each printing its own table.

1. the whole ingest flow at 20k and 100k generated documents (docs/s, MB/s, peak memory,
   duplicate pair precision/recall): bench.flow_bench;
2. the dedupe stage alone and as the loader runs it: bench.dedupe_bench;
3. datatrove's MinHash dedup on the same corpus, in its own venv, and the ratio:
   bench.datatrove_bench;
4. runners and incremental cost as history grows: bench.scaling.

WARTA_BENCH_SIZES (default "20000,100000") and WARTA_BENCH_STEPS (default "flow,dedupe,
datatrove,scaling") choose what runs; expect well over an hour for everything on two cores.
"""

from __future__ import annotations

import os
import subprocess
import sys

STEPS = {
    "flow": ["-m", "bench.flow_bench", "--docs", "{sizes}"],
    "dedupe": ["-m", "bench.dedupe_bench", "--sizes", "{sizes}"],
    "datatrove": ["-m", "bench.datatrove_bench", "--sizes", "{sizes}"],
    "scaling": ["-m", "bench.scaling", "--docs", "{largest}"],
}


def main() -> int:
    sizes = os.environ.get("WARTA_BENCH_SIZES", "20000,100000")
    largest = str(max(int(s) for s in sizes.split(",")))
    steps = os.environ.get("WARTA_BENCH_STEPS", ",".join(STEPS)).split(",")
    failed = []
    for step in steps:
        args = [a.format(sizes=sizes, largest=largest) for a in STEPS[step]]
        print(f"\n=== bench: {step} ===", flush=True)
        if subprocess.run([sys.executable, *args]).returncode != 0:
            failed.append(step)
    if failed:
        print(f"bench: failed steps: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
