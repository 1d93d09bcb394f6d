"""Prefect settings for a command-line tool, applied before Prefect is imported.

With no PREFECT_API_URL, Prefect starts a temporary local server for each run. That server
runs services (scheduler, late-run marker, triggers, UI...) an ingest run never uses; they
cost start-up seconds on two cores, so they are off unless the user set them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

_ALWAYS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
_EPHEMERAL_ONLY = {
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_LOGGER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
}


def configure_prefect_environment() -> None:
    """Fill in defaults only; anything the user exported wins."""
    for key, value in _ALWAYS.items():
        os.environ.setdefault(key, value)
    if not os.environ.get("PREFECT_API_URL"):
        for key, value in _EPHEMERAL_ONLY.items():
            os.environ.setdefault(key, value)


@contextmanager
def api_for_worker_processes(local_worker_processes: bool) -> Iterator[None]:
    """Give worker processes on this machine (a process pool, a local Dask cluster) this
    run's Prefect API.

    With no API configured, Prefect starts a temporary server on first use, in every process
    that needs one: each pool worker then started its own (~230 MB and 10-20 s each, seen as
    three uvicorn processes in one run). Starting it here and exporting its URL makes the
    workers, which inherit the environment, report to the flow's server. Workers of a remote
    Dask cluster could not reach a loopback server: they need a PREFECT_API_URL of their own.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if not local_worker_processes or PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()  # stopped at exit, as Prefect does for its own temporary server
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
