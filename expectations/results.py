"""GateResult and the `dq_results` row format; turns GX validation results into rows.

Nothing here imports Great Expectations (its import costs ~10 s): the GX objects are only
read through their attributes.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

__all__ = ["DQ_SCHEMA", "GateResult", "empty_results", "rows_from_validation", "summarize",
           "failure_sentence", "results_table"]

CRITICAL = "critical"
WARNING = "warning"

# Columns of warehouse/sql/050_data_quality.sql, in table order.
DQ_SCHEMA = pa.schema([
    ("run_id", pa.string()),
    ("batch_id", pa.string()),
    ("suite", pa.string()),
    ("expectation", pa.string()),
    ("column_name", pa.string()),
    ("severity", pa.string()),
    ("success", pa.bool_()),
    ("observed_value", pa.string()),
    ("unexpected_count", pa.int64()),
    ("checked_at", pa.timestamp("us", tz="UTC")),
    ("element_count", pa.int64()),
    ("description", pa.string()),
    ("details", pa.string()),
])

_MAX_EXAMPLES = 5
_MAX_EXAMPLE_CHARS = 80


def empty_results() -> pa.Table:
    return DQ_SCHEMA.empty_table()


@dataclass
class GateResult:
    """What a quality gate decided. `passed` is False when a critical expectation failed.

    `failures` are sentences for the run summary (critical first, then warnings, each
    prefixed with its severity); `results` holds one `dq_results` row per expectation;
    `validations` keeps GX's own result objects for Data Docs (not for pickling).
    """

    passed: bool = True
    failures: list[str] = field(default_factory=list)
    results: pa.Table = field(default_factory=empty_results)
    validations: list[Any] = field(default_factory=list, repr=False)
    seconds: float = 0.0

    @property
    def critical_failures(self) -> list[str]:
        return [f for f in self.failures if f.startswith(CRITICAL)]

    @property
    def warnings(self) -> list[str]:
        return [f for f in self.failures if f.startswith(WARNING)]

    def __getstate__(self) -> dict[str, Any]:  # GX objects stay in the process
        state = dict(self.__dict__)
        state["validations"] = []
        return state

    @staticmethod
    def combine(parts: list[GateResult]) -> GateResult:
        tables = [p.results for p in parts if p.results.num_rows]
        return GateResult(
            passed=all(p.passed for p in parts),
            failures=_ordered([f for p in parts for f in p.failures]),
            results=pa.concat_tables(tables) if tables else empty_results(),
            validations=[v for p in parts for v in p.validations],
            seconds=sum(p.seconds for p in parts),
        )


def _ordered(failures: list[str]) -> list[str]:
    return ([f for f in failures if f.startswith(CRITICAL)]
            + [f for f in failures if not f.startswith(CRITICAL)])


def _severity(config: Any) -> str:
    value = getattr(config, "severity", None) or config.meta.get("severity") or CRITICAL
    value = getattr(value, "value", value)
    return str(value).lower()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return str(value)


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, date) or hasattr(value, "isoformat"):
        text = value.isoformat().removesuffix("T00:00:00")
    else:
        text = json.dumps(_jsonable(value), ensure_ascii=False)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= _MAX_EXAMPLE_CHARS else text[:_MAX_EXAMPLE_CHARS - 1] + "…"


def _observed(result: dict[str, Any], error: str | None) -> str | None:
    if error:
        return f"error: {error}"
    if "observed_value" in result:
        return _short(result["observed_value"])
    if "unexpected_percent" in result and result.get("element_count") is not None:
        return f"{result.get('unexpected_count', 0)} of {result['element_count']} unexpected"
    return None


def _error(validation_result: Any) -> str | None:
    info = validation_result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "raised an exception")
    for value in info.values():  # keyed by metric id when a metric failed
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "raised an exception")
    return None


def _count(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rows_from_validation(suite_result: Any, suite: str, run_id: str, batch_id: str | None,
                         checked_at: datetime | None = None) -> list[dict[str, Any]]:
    """dq_results rows of one ExpectationSuiteValidationResult (one row per expectation)."""
    checked_at = checked_at or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for r in suite_result.results:
        config = r.expectation_config
        result = dict(r.result or {})
        error = _error(r)
        kwargs = config.kwargs
        column = kwargs.get("column")
        if column is None and kwargs.get("column_list"):
            column = ",".join(kwargs["column_list"])
        if column is None and kwargs.get("column_A"):
            column = f"{kwargs['column_A']},{kwargs['column_B']}"
        examples = [_short(v) for v in (result.get("partial_unexpected_list") or [])
                    [:_MAX_EXAMPLES]]
        rows.append({
            "run_id": run_id, "batch_id": batch_id, "suite": suite,
            "expectation": config.type, "column_name": column, "severity": _severity(config),
            "success": bool(r.success) and error is None,
            "observed_value": _observed(result, error),
            "unexpected_count": _count(result.get("unexpected_count")),
            "checked_at": checked_at,
            "element_count": _count(result.get("element_count")),
            "description": config.description or config.type,
            "details": json.dumps(examples, ensure_ascii=False) if examples else None,
        })
    return rows


def failure_sentence(row: dict[str, Any]) -> str:
    """'critical: documents of batch X: doc_id is unique in the batch (2 of 500 rows fail,
    e.g. 'ab12')' -- for the run summary."""
    where = f"{row['suite']} of batch {row['batch_id']}" if row.get("batch_id") else row["suite"]
    head = f"{row['severity']}: {where}: {row['description']}"
    observed = row.get("observed_value") or ""
    if observed.startswith("error: "):
        return f"{head} (could not be checked: {observed[7:]})"
    examples = json.loads(row["details"]) if row.get("details") else []
    sample = ", e.g. " + "; ".join(repr(e) for e in examples[:3]) if examples else ""
    if row.get("unexpected_count") is not None and row.get("element_count") is not None:
        return f"{head} ({row['unexpected_count']} of {row['element_count']} rows fail{sample})"
    if row["expectation"] == "expect_table_row_count_to_equal" and row.get("unexpected_count"):
        return f"{head} ({row['unexpected_count']} found{sample})"
    return f"{head} (observed {observed}{sample})" if observed else head


def summarize(rows: list[dict[str, Any]]) -> tuple[bool, list[str]]:
    """(passed, failure sentences: critical first) of dq_results rows."""
    failed = [r for r in rows if not r["success"]]
    passed = not any(r["severity"] == CRITICAL for r in failed)
    failed.sort(key=lambda r: r["severity"] != CRITICAL)
    return passed, [failure_sentence(r) for r in failed]


def results_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=DQ_SCHEMA) if rows else empty_results()
