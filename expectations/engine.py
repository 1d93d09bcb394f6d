"""One ephemeral GX context per process, with a pandas datasource; validates DataFrames.

GX setup is slow (the import alone takes ~10 s on two cores), so the context, the
datasource and one dataframe asset per table are made once and reused; suites are cached
in `expectations.suites`. A lock serialises validations: GX contexts are not thread-safe
and Prefect may call the gate from more than one thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["validate_frame", "engine", "quiet_gx_logs"]

_LOCK = threading.RLock()
_ENGINE: _Engine | None = None
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}


class _Engine:
    def __init__(self) -> None:
        from expectations.gx_import import import_great_expectations

        gx = import_great_expectations()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        quiet_gx_logs()
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False,
                                                                  metric_calculations=False)
        self.datasource = self.context.data_sources.add_pandas("warta")
        self.definitions: dict[str, Any] = {}

    def batch_definition(self, name: str) -> Any:
        definition = self.definitions.get(name)
        if definition is None:
            asset = self.datasource.add_dataframe_asset(name)
            definition = asset.add_batch_definition_whole_dataframe(name)
            self.definitions[name] = definition
        return definition


def quiet_gx_logs() -> None:
    """GX logs INFO lines on every context; keep them out unless logging was configured."""
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:
        gx_logger.setLevel(logging.WARNING)


def engine() -> _Engine:
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = _Engine()
        return _ENGINE


def validate_frame(asset: str, frame: Any, suite: Any,
                   parameters: dict[str, Any] | None = None) -> Any:
    """ExpectationSuiteValidationResult of `suite` on the pandas DataFrame `frame`."""
    with _LOCK:
        batch = engine().batch_definition(asset).get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(suite, result_format=RESULT_FORMAT,
                              expectation_parameters=parameters or {})
