"""Great Expectations' own Data Docs, built from the `dq_results` table.

    build_data_docs(con, data_docs_dir(warehouse_path))      # after a run (or any time)

One validation page per run and suite: the batch gate's rows are summed over the run's
batches (unexpected and element counts added, success only if every batch passed), so a
run of 1,000 batches gives a handful of pages, not thousands. Building from the table (not
from in-memory GX objects) works whatever task runner ran the gate, and can be redone.

The pages are GX's: they load Bootstrap, jQuery, Vega and Font Awesome from CDNs (GX 1.24's
templates hard-code them), so they need a network to look right. `warta report` is the
offline, self-contained page.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

__all__ = ["build_data_docs", "data_docs_dir", "DEFAULT_RUNS"]

DEFAULT_RUNS = 20
SITE = "warta"


def data_docs_dir(warehouse: str | Path) -> Path:
    """<warehouse folder>/data_docs/ for a warehouse file."""
    return Path(warehouse).resolve().parent / "data_docs"


def build_data_docs(results: duckdb.DuckDBPyConnection | pa.Table, out_dir: str | Path,
                    runs: int = DEFAULT_RUNS) -> Path:
    """Build the Data Docs site for the last `runs` runs of `results`; returns index.html.

    `results` is a warehouse connection (its dq_results table is read) or a table of
    dq_results rows (e.g. GateResult.results).
    """
    from expectations.gx_import import import_great_expectations

    gx = import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from expectations.engine import quiet_gx_logs

    quiet_gx_logs()
    rows = _rows(results, runs)
    out = Path(out_dir).resolve()
    _clear_old_pages(out)
    out.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="ephemeral")
    context.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(out)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    for suite in _code_suites():
        context.suites.add(suite)
    for (run_id, suite_name), group in _by_run_and_suite(rows).items():
        run_time = min(r["checked_at"] for r in group)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=RunIdentifier(run_name=run_id, run_time=run_time),
            batch_identifier=f"{suite_name}-{run_id}",
        )
        context.validation_results_store.set(key, _validation(run_id, suite_name, group))
    context.build_data_docs(site_names=[SITE])
    return out / "index.html"


def _rows(results: duckdb.DuckDBPyConnection | pa.Table, runs: int) -> list[dict[str, Any]]:
    if isinstance(results, pa.Table):
        return results.to_pylist()
    exists = results.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'dq_results'").fetchone()[0]
    if not exists:
        return []
    cursor = results.execute(
        "WITH recent AS (SELECT run_id, min(checked_at) AS t FROM dq_results GROUP BY run_id "
        "ORDER BY t DESC LIMIT ?) "
        "SELECT d.* FROM dq_results d JOIN recent USING (run_id) ORDER BY d.checked_at",
        [runs])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _clear_old_pages(out: Path) -> None:
    """Pages of runs no longer in the window would linger: rebuild the site's pages."""
    if (out / "index.html").is_file():
        for sub in ("validations", "expectations"):
            shutil.rmtree(out / sub, ignore_errors=True)


def _by_run_and_suite(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[dict]]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["run_id"], row["suite"]), []).append(row)
    return groups


def _code_suites() -> list[Any]:
    """The suites as written in expectations.suites (shown on the Expectation Suite pages)."""
    from expectations.gx_import import import_great_expectations

    gx = import_great_expectations()

    from expectations.suites import TABLE_SUITES, WAREHOUSE_SUITE, warehouse_expectations

    suites = [gx.ExpectationSuite(name=name, expectations=make())
              for name, make in TABLE_SUITES.items()]
    suites.append(gx.ExpectationSuite(name=WAREHOUSE_SUITE,
                                      expectations=warehouse_expectations()))
    return suites


def _configurations() -> dict[tuple[str, str, str], Any]:
    from expectations.suites import TABLE_SUITES, WAREHOUSE_SUITE, warehouse_expectations

    out = {}
    made = [(name, make()) for name, make in TABLE_SUITES.items()]
    made.append((WAREHOUSE_SUITE, warehouse_expectations()))
    for suite, expectations in made:
        for e in expectations:
            config = e.configuration
            out[(suite, config.type, config.description or config.type)] = config
    return out


def _validation(run_id: str, suite: str, rows: list[dict[str, Any]]) -> Any:
    """One ExpectationSuiteValidationResult for a run's rows of a suite (batches merged)."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    configs = _configurations()
    run_time = min(r["checked_at"] for r in rows).astimezone(UTC)
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (row["expectation"], row["column_name"], row["description"], row["severity"])
        m = merged.setdefault(key, {"success": True, "unexpected": None, "elements": None,
                                    "observed": None, "examples": [], "batches": 0,
                                    "failed_batches": 0})
        m["batches"] += 1
        if not row["success"]:
            m["success"] = False
            m["failed_batches"] += 1
        if row["unexpected_count"] is not None:
            m["unexpected"] = (m["unexpected"] or 0) + int(row["unexpected_count"])
        if row["element_count"] is not None:
            m["elements"] = (m["elements"] or 0) + int(row["element_count"])
        m["observed"] = row["observed_value"]
        if row.get("details") and len(m["examples"]) < 10:
            m["examples"] += json.loads(row["details"])[: 10 - len(m["examples"])]
    results = []
    for (kind, column, description, severity), m in merged.items():
        config = configs.get((suite, kind, description))
        if config is None:  # an expectation no longer in the code
            kwargs = {"column": column} if column and "," not in column else {}
            config = ExpectationConfiguration(type=kind, kwargs=kwargs, description=description)
        config = ExpectationConfiguration(
            type=config.type, kwargs=dict(config.kwargs), meta={
                **(config.meta or {}), "severity": severity, "batches": m["batches"],
                "failed_batches": m["failed_batches"]},
            description=description, severity=severity)
        result: dict[str, Any] = {}
        if m["elements"] is not None:
            result["element_count"] = m["elements"]
        if m["unexpected"] is not None:
            result["unexpected_count"] = m["unexpected"]
            if m["elements"]:
                result["unexpected_percent"] = 100.0 * m["unexpected"] / m["elements"]
            result["partial_unexpected_list"] = m["examples"]
        if m["observed"] is not None and m["unexpected"] is None:
            result["observed_value"] = m["observed"]
        results.append(ExpectationValidationResult(
            success=m["success"], expectation_config=config, result=result,
            exception_info={"raised_exception": False, "exception_message": None,
                            "exception_traceback": None}))
    n_ok = sum(r.success for r in results)
    return ExpectationSuiteValidationResult(
        success=all(r.success for r in results), results=results, suite_name=suite,
        statistics={"evaluated_expectations": len(results), "successful_expectations": n_ok,
                    "unsuccessful_expectations": len(results) - n_ok,
                    "success_percent": 100.0 * n_ok / len(results) if results else None},
        meta={"run_id": {"run_name": run_id, "run_time": run_time.isoformat()},
              "great_expectations_version": _gx_version(),
              "batch_kwargs": {"datasource": "warta", "data_asset_name": suite,
                               "batches": len({r["batch_id"] for r in rows})},
              "validation_time": run_time.strftime("%Y%m%dT%H%M%S.%fZ")},
    )


def _gx_version() -> str:
    from expectations.gx_import import import_great_expectations

    gx = import_great_expectations()

    return gx.__version__
