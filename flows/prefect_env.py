"""Prefect settings for a command-line tool, applied before Prefect is imported.

With no PREFECT_API_URL, Prefect starts a temporary local server for each run. That server
runs services (scheduler, late-run marker, triggers, UI...) an ingest run never uses; they
cost start-up seconds on two cores, so they are off unless the user set them.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


class TemporaryServer:
    """Prefect's temporary API server for one run, started the way Prefect 3.8 starts it
    (`SubprocessASGIServer`: uvicorn on `prefect.server.api.server:create_app` with the
    ephemeral flags), but without importing `prefect.server` into this process.

    Prefect's own temporary server is started from `get_client`, which imports the whole
    server package (FastAPI, SQLAlchemy models, docket, beartype...: ~80 MB and ~1,100
    modules) into the flow's process just to launch a subprocess. Launching it here keeps
    those modules in the server process only, and lets the CLI start it before its own
    imports so both overlap."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> TemporaryServer:
        """Launch the server process; returns at once (`wait` blocks until it answers)."""
        if self.process is None:
            self.port = _free_port()
            self.process = subprocess.Popen(_server_command(self.port), env=_server_env())
            if self not in _STARTED:  # a restart on a new port is the same server
                atexit.register(self.stop)  # also when the run fails before it reached the flow
                _STARTED.append(self)
        return self

    def wait(self, timeout: float | None = None) -> str:
        """Block until GET /health answers 200; the API URL."""
        import httpx

        if self.process is None:
            self.start()
        assert self.process is not None
        if timeout is None:
            from prefect.settings import get_current_settings

            timeout = get_current_settings().server.ephemeral.startup_timeout_seconds
        deadline = time.monotonic() + timeout
        restarts = 0
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    # 3 is also uvicorn's code for a failed app start-up (a broken or locked
                    # Prefect database): a few new ports, then the real error.
                    if code == _UVICORN_STARTUP_FAILURE and restarts < _MAX_RESTARTS:
                        restarts += 1
                        self.process = None  # the port was taken meanwhile: try another
                        self.start()
                        continue
                    self.process = None
                    raise RuntimeError(f"temporary Prefect server exited with code {code} "
                                       "(its error is printed above)")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return self.api_url
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"temporary Prefect server did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


_STARTED: list[TemporaryServer] = []


def stop_temporary_servers() -> None:
    """Stop every temporary server this process started (from a signal handler too)."""
    for server in _STARTED:
        server.stop()


_UVICORN_STARTUP_FAILURE = 3  # uvicorn's exit code when it cannot bind its port (or start)
_MAX_RESTARTS = 3


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(port: int) -> list[str]:
    package = Path(importlib.util.find_spec("prefect").origin).parent  # type: ignore[union-attr, arg-type]
    return [sys.executable, "-m", "uvicorn", "--app-dir", str(package.parent), "--factory",
            "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
            str(port), "--log-level", "error", "--lifespan", "on"]


def _server_env() -> dict[str, str]:
    """This process's environment and Prefect settings (profile values included), with the
    flags Prefect gives its temporary server: no UI, ephemeral services only."""
    from prefect.settings import get_current_settings

    env = {**os.environ,
           **get_current_settings().to_environment_variables(exclude_unset=True),
           "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}
    env.pop("PREFECT_API_URL", None)
    return env


def needs_temporary_server(dask_address: str | None = None) -> bool:
    """True when no Prefect API is configured and the workers (if any) run on this machine.

    Workers of a remote Dask cluster could not reach a loopback server: there Prefect's own
    lazy temporary server is left to do what it did before (they need a PREFECT_API_URL)."""
    from prefect.settings import get_current_settings

    return not dask_address and not get_current_settings().api.url


@contextmanager
def temporary_server(server: TemporaryServer | None = None,
                     dask_address: str | None = None) -> Iterator[None]:
    """Run the body against a temporary server of ours (`server`, if the caller already
    started one) unless an API is configured; stopped on the way out.

    Its URL is exported and made Prefect's process-wide setting, so worker processes on this
    machine (a process pool, a local Dask cluster) report to it instead of each starting its
    own (~230 MB and 10-20 s each, seen as three uvicorn processes in one run), and so do
    Prefect's own threads that run outside the flow's settings context (the process pool's
    log and event forwarder)."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if not needs_temporary_server(dask_address):
        if server is not None:
            server.stop()
        yield
        return
    server = server or TemporaryServer()
    previous = os.environ.get("PREFECT_API_URL")
    try:
        url = server.start().wait()
        os.environ["PREFECT_API_URL"] = url
        refresh_global_settings_context()
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield
            finally:  # while the URL is still set, or draining starts Prefect's own server
                _drain_prefect_workers()
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        refresh_global_settings_context()


def _drain_prefect_workers() -> None:
    """Send the logs and events Prefect still holds before their server goes away (as
    Prefect's test harness does), or they end as 'Error logging to API' at exit."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=5)
