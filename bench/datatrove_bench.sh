#!/usr/bin/env bash
# datatrove's MinHash dedup next to ours, datatrove in its own venv (default /tmp/dt-venv).
# Usage: bench/datatrove_bench.sh [SIZES]   e.g. bench/datatrove_bench.sh 20000,100000
set -euo pipefail
cd "$(dirname "$0")/.."
exec uv run python -m bench.datatrove_bench --sizes "${1:-20000}" --venv "${DT_VENV:-/tmp/dt-venv}"
