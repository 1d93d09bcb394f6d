"""Our dedupe stage next to datatrove's MinHash dedup on the same generated corpus.

datatrove goes into its own venv (never into warta's): `uv venv` + `uv pip install`, pinned.
Both run on one core; the machine may be shared, so rates are given per wall second and per
CPU second, and the ratio of each. Each side runs `--repeat` times, alternating, and the
fastest run of each is compared (one run of ours varied 17,900-26,400 docs/CPU-s).

    uv run python -m bench.datatrove_bench --sizes 20000 [--venv /tmp/dt-venv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.make_corpus import make_corpus

# xxhash 4 refuses str input, which datatrove 0.10's xxhash64 passes.
DATATROVE_PACKAGES = ("datatrove==0.10.1", "regex", "tokenizers", "orjson", "xxhash<4")
HERE = Path(__file__).resolve().parent


def ensure_venv(venv: Path) -> Path:
    """Create the datatrove venv if it is missing; returns its python."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", str(venv)], check=True)
    check = subprocess.run([str(python), "-c", "import datatrove, regex, tokenizers, orjson"],
                           capture_output=True)
    if check.returncode != 0:
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(python),
                        *DATATROVE_PACKAGES], check=True)
    return python


def ours(n: int, root: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.dedupe_bench", "--one", "--sizes", str(n),
                           "--modes", "memory", "--root", str(root)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def theirs(python: Path, n: int, root: Path, work: Path) -> dict:
    proc = subprocess.run([str(python), str(HERE / "datatrove_run.py"), str(root / str(n)),
                           str(work / str(n))], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"datatrove run failed ({proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="20000")
    ap.add_argument("--root", type=Path, default=Path("/tmp/warta-bench"))
    ap.add_argument("--work", type=Path, default=Path("/tmp/warta-bench/datatrove-work"))
    ap.add_argument("--venv", type=Path, default=Path("/tmp/dt-venv"))
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each side, alternating; the fastest of each is compared")
    args = ap.parse_args(argv)
    python = ensure_venv(args.venv)
    for n in (int(s) for s in args.sizes.split(",")):
        if not (args.root / str(n) / "truth.jsonl").exists():
            make_corpus(n, args.root / str(n))
        runs: dict[str, list[dict]] = {"datatrove": [], "warta": []}
        for _ in range(max(1, args.repeat)):  # alternating: a busy spell hits both sides
            runs["datatrove"].append(theirs(python, n, args.root, args.work))
            runs["warta"].append(ours(n, args.root))
        dt, us = (max(runs[side], key=lambda r: r["docs_per_cpu_s"]) for side in runs)
        print(f"{n} documents (fastest of {len(runs['warta'])} alternating runs each)")
        for name, r in (("datatrove", dt), ("warta", us)):
            rates = sorted(round(x["docs_per_cpu_s"]) for x in runs[name])
            print(f"  {name:9} {r['docs_per_s']:>8.0f} docs/s  {r['docs_per_cpu_s']:>8.0f} docs/CPU-s  "
                  f"P {r['precision']:.3f} R {r['recall']:.3f}  peak RSS {r['peak_rss_mb']:.0f} MB  "
                  f"{r['seconds']}  (all runs, docs/CPU-s: {rates})")
        print(f"  ratio warta/datatrove: {us['docs_per_s'] / dt['docs_per_s']:.1f}x per wall second, "
              f"{us['docs_per_cpu_s'] / dt['docs_per_cpu_s']:.1f}x per CPU second; counting our "
              f"JSONL parsing too (datatrove's step 1 parses): "
              f"{us['docs_per_s_with_read'] / dt['docs_per_s']:.1f}x and "
              f"{us['docs_per_cpu_s_with_read'] / dt['docs_per_cpu_s']:.1f}x")
        print(f"  datatrove settings: {dt['config']}, whitespace tokenizer, {dt['tasks']} task")
    return 0


if __name__ == "__main__":
    sys.exit(main())
