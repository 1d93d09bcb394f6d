"""Task runners for the batch tasks: threads, local processes, or a Dask cluster.

Only the batch tasks run there; the flow keeps the single DuckDB connection.
"""

from __future__ import annotations

from typing import Any

RUNNERS = ("local", "processes", "dask")


def make_task_runner(runner: str, workers: int, dask_address: str | None = None) -> Any:
    """A Prefect task runner by name; imports Dask only when asked for."""
    if runner == "local":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if runner == "processes":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    raise ValueError(f"unknown runner {runner!r}; choose one of {', '.join(RUNNERS)}")
