# warta: two commands for a newcomer (see README.md): `make run` and `make test`.
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen
WAREHOUSE ?= out/warta.duckdb
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: install run test lint eval bench clean

# --compile-bytecode: every run (and every Prefect server and worker process it starts) would
# otherwise compile ~15k library modules again where PYTHONDONTWRITEBYTECODE is set, as on
# these machines: `warta ingest sample_corpus` took 22.5 CPU-s without .pyc files, 13.0 with.
install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode

run: install
	$(PY) warta ingest sample_corpus --warehouse $(WAREHOUSE)
	$(PY) warta status --warehouse $(WAREHOUSE)

test: install
	$(PY) ruff check flows transforms expectations warehouse tests scripts bench
	$(PY) pytest -q

lint: install
	$(PY) ruff check flows transforms expectations warehouse tests scripts bench

eval: install
	$(PY) python scripts/eval_metadata.py

bench: install
	$(PY) python -m bench.run

clean:
	rm -rf out .pytest_cache .ruff_cache
