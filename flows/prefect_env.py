"""Prefect settings for a command-line tool, applied before Prefect is imported.

With no PREFECT_API_URL, Prefect starts a temporary local server for each run. That server
runs services (scheduler, late-run marker, triggers, UI...) an ingest run never uses; they
cost start-up seconds on two cores, so they are off unless the user set them.
"""

from __future__ import annotations

import os

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
