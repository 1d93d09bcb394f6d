"""Scheduled ingest: serve the ingest flow as Prefect deployments, and start a local server.

`warta serve SOURCE ... --interval 600` registers one deployment of the `warta-ingest` flow
per source (named `warta-ingest/<source slug>`) on a Prefect server, then polls that server
and runs each scheduled flow run in a subprocess until stopped (Ctrl-C pauses the
schedules). A run ingests only what the ledger has not seen, so each scheduled run picks up
exactly the files that arrived since the previous one.

Runs are served by one Prefect `Runner` with a limit of one flow run at a time: every
deployment writes the same DuckDB warehouse, which has one writer. The task runner
(`local`, `processes`, `dask`) is baked into the served flow object, which the Runner runs
directly (not re-imported from an entrypoint), so `--runner dask` holds in scheduled runs.

Scheduling needs a long-lived Prefect server with its scheduler service on: Prefect's
temporary per-run server cannot hold a schedule. `warta server` (`run_server`) starts one;
`check_server_reachable` fails in a few seconds with a clear message when none answers.

CLI wiring (flows/cli.py), argument names:

    warta server [--host 127.0.0.1] [--port 4200]
        -> run_server(host, port)                      # blocks; returns the exit code
    warta serve [SOURCE ...] [--warehouse PATH] [--cron EXPR | --interval SECONDS]
                [--config FILE] [--batch-size N] [--runner R] [--dask-address A]
                [--workers N] [--lake URL] [--api-url URL]
        -> serve(sources, warehouse, cron, interval, config_path=..., batch_size=...,
                 runner=..., dask_address=..., workers=..., lake=..., api_url=...)
    (`lake` needs the lake-on-object-storage patch to flows/ingest.py; None works today)

Sources and a schedule may also come from the config file's `serve:` section (see
`schedule_from_config`); command-line values win.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.prefect_env import configure_prefect_environment

configure_prefect_environment()

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4200
DEFAULT_API_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}/api"
HINT = ("start one with `warta server` (or `uv run prefect server start`), "
        "or set PREFECT_API_URL to a running server's API, e.g. http://127.0.0.1:4200/api")


class ScheduleError(ValueError):
    """A bad schedule request (no source, both or neither of cron/interval, bad config)."""


class ServerUnreachable(RuntimeError):
    """No Prefect server answers at the API URL: serving would hang, so we stop at once."""


# -- server -------------------------------------------------------------------------------
def resolve_api_url(api_url: str | None = None) -> str:
    """The API URL to serve against: the argument, PREFECT_API_URL, or warta server's default."""
    if api_url:
        return api_url.rstrip("/")
    from prefect.settings import PREFECT_API_URL

    return (os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
            or DEFAULT_API_URL).rstrip("/")


def check_server_reachable(api_url: str, timeout: float = 5.0) -> None:
    """Raise ServerUnreachable unless a Prefect server answers `GET {api_url}/health`."""
    import httpx

    url = api_url.rstrip("/") + "/health"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ServerUnreachable(
            f"no Prefect server at {api_url} ({type(exc).__name__}): {HINT}") from exc
    if response.status_code != 200:
        raise ServerUnreachable(
            f"no Prefect server at {api_url} (GET /health answered HTTP "
            f"{response.status_code}): {HINT}")


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a long-lived server: scheduler on, whatever the ephemeral defaults."""
    from flows.prefect_env import _EPHEMERAL_ONLY

    env = dict(os.environ if base is None else base)
    for key, value in _EPHEMERAL_ONLY.items():  # drop warta's per-run defaults, keep user's
        if env.get(key) == value:
            env.pop(key)
    env["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "true"
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # New deployments get their first runs within seconds, not after the default 60 s.
    env.setdefault("PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS", "5")
    env.pop("PREFECT_API_URL", None)  # a server does not talk to another server
    return env


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    return [sys.executable, "-m", "prefect", "server", "start", "--host", host,
            "--port", str(port), "--scheduler", "--analytics-off"]


def run_server(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """`warta server`: run a Prefect server in the foreground until Ctrl-C; its exit code."""
    url = f"http://{host}:{port}/api"
    print(f"warta server: Prefect server on {url} (UI at http://{host}:{port}); "
          f"in another shell: export PREFECT_API_URL={url}", file=sys.stderr, flush=True)
    process = subprocess.Popen(server_command(host, port), env=server_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


# -- schedules ----------------------------------------------------------------------------
@dataclass
class ServeSpec:
    """What to serve: sources, one schedule for all of them."""

    sources: list[str] = field(default_factory=list)
    cron: str | None = None
    interval: int | None = None


def schedule_from_config(config_path: str | os.PathLike[str] | None) -> ServeSpec:
    """The `serve:` section of a warta config file, if any:

        serve:
          sources: [/data/scrapes/kompas, s3://news/detik]
          interval: 900          # seconds; or
          cron: "*/15 * * * *"   # one of the two
    """
    if config_path is None:
        return ServeSpec()
    import yaml

    raw = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    section = raw.get("serve") if isinstance(raw, dict) else None
    if section is None:
        return ServeSpec()
    if not isinstance(section, dict):
        raise ScheduleError(f"{config_path}: `serve` must be a mapping")
    unknown = sorted(set(section) - {"sources", "cron", "interval"})
    if unknown:
        raise ScheduleError(f"{config_path}: unknown serve key(s): {', '.join(unknown)}; "
                            "known keys: cron, interval, sources")
    sources = section.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ScheduleError(f"{config_path}: serve.sources must be a list of paths or URLs")
    interval = section.get("interval")
    if interval is not None and (not isinstance(interval, int) or isinstance(interval, bool)):
        raise ScheduleError(f"{config_path}: serve.interval must be a whole number of seconds")
    cron = section.get("cron")
    if cron is not None and not isinstance(cron, str):
        raise ScheduleError(f"{config_path}: serve.cron must be a cron expression string")
    return ServeSpec(list(sources), cron, interval)


def resolve_spec(sources: Sequence[str], cron: str | None, interval: int | None,
                 config_path: str | None) -> ServeSpec:
    """Command-line values win over the config file; exactly one schedule is required."""
    from_file = schedule_from_config(config_path)
    spec = ServeSpec(list(sources) or from_file.sources, cron, interval)
    if cron is None and interval is None:
        spec.cron, spec.interval = from_file.cron, from_file.interval
    if not spec.sources:
        raise ScheduleError("give at least one SOURCE (or serve.sources in the config file)")
    if (spec.cron is None) == (spec.interval is None):
        raise ScheduleError("give exactly one schedule: --cron EXPR or --interval SECONDS")
    if spec.interval is not None and spec.interval <= 0:
        raise ScheduleError("--interval must be a positive number of seconds")
    if spec.cron is not None:
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=spec.cron)
        except Exception as exc:
            raise ScheduleError(f"not a valid cron expression: {spec.cron!r}") from exc
    return spec


def deployment_name(source: str) -> str:
    """A readable, stable and unique deployment name per source."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", source.rstrip("/").rsplit("/", 1)[-1]).strip("-.")
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:40] or 'source'}-{digest}"


def _normalise_source(source: str) -> str:
    # One spelling per local folder, as run_ingest does, so ledger uris stay comparable.
    return source if "://" in source else os.path.abspath(source)


def build_runner(sources: Sequence[str], warehouse: str, *, cron: str | None = None,
                 interval: int | None = None, config_path: str | None = None,
                 batch_size: int | None = None, runner: str = "local",
                 dask_address: str | None = None, workers: int | None = None,
                 lake: str | None = None,
                 pause_on_shutdown: bool = True) -> tuple[Any, list[str]]:
    """A Prefect Runner holding one deployment per source, and the deployment names.

    Registers the deployments on the server (PREFECT_API_URL must be set)."""
    from prefect.runner import Runner

    from flows.ingest import ingest_flow
    from flows.runners import make_task_runner
    from transforms.config import load_config

    config = load_config(config_path).with_overrides(batch_size=batch_size, workers=workers)
    task_runner = make_task_runner(runner, config.workers, dask_address)
    served = ingest_flow.with_options(task_runner=task_runner)
    warehouse = warehouse if "://" in warehouse else os.path.abspath(warehouse)
    config_path = os.path.abspath(config_path) if config_path else None
    # One run at a time: every deployment writes the same single-writer warehouse.
    prefect_runner = Runner(name="warta-serve", limit=1, pause_on_shutdown=pause_on_shutdown)
    names = []
    for source in sources:
        source = _normalise_source(source)
        name = deployment_name(source)
        parameters = {"source": source, "warehouse": warehouse, "batch_size": batch_size,
                      "config_path": config_path, "progress": "log",
                      "max_in_flight": max(2, config.workers + 1)}
        if lake:
            parameters["lake"] = lake
        prefect_runner.add_flow(
            served, name=name, cron=cron, interval=interval, parameters=parameters,
            description=f"warta ingest of {source} into {warehouse}",
            tags=["warta"], enforce_parameter_schema=False)
        names.append(f"{ingest_flow.name}/{name}")
    return prefect_runner, names


def serve(sources: list[str], warehouse: str, cron: str | None = None,
          interval: int | None = None, *, config_path: str | None = None,
          batch_size: int | None = None, runner: str = "local",
          dask_address: str | None = None, workers: int | None = None,
          lake: str | None = None, api_url: str | None = None, timeout: float = 5.0) -> None:
    """`warta serve`: register the deployments and run their scheduled runs until stopped.

    Fails fast (ScheduleError, ServerUnreachable, SourceError) instead of hanging."""
    import asyncio

    from transforms.sources import list_source

    spec = resolve_spec(sources, cron, interval, config_path)
    for source in spec.sources:  # a missing source fails now, not at the first run
        next(list_source(_normalise_source(source)), None)
    url = resolve_api_url(api_url)
    check_server_reachable(url, timeout)
    os.environ["PREFECT_API_URL"] = url  # for the Runner and the flow-run subprocesses
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}):
        prefect_runner, names = build_runner(
            spec.sources, warehouse, cron=spec.cron, interval=spec.interval,
            config_path=config_path, batch_size=batch_size, runner=runner,
            dask_address=dask_address, workers=workers, lake=lake)
        when = f"cron {spec.cron!r}" if spec.cron else f"every {spec.interval} s"
        print(f"warta serve: {len(names)} deployment(s) {when} on {url}: {', '.join(names)}; "
              "Ctrl-C stops serving and pauses the schedules", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(prefect_runner.start())


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m flows.schedule serve|server ...` until flows/cli.py wires these in."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m flows.schedule")
    sub = parser.add_subparsers(dest="command", required=True)
    srv = sub.add_parser("server")
    srv.add_argument("--host", default=DEFAULT_HOST)
    srv.add_argument("--port", type=int, default=DEFAULT_PORT)
    sv = sub.add_parser("serve")
    sv.add_argument("sources", nargs="*")
    sv.add_argument("--warehouse", default=os.environ.get("WARTA_WAREHOUSE",
                                                          "warehouse_data/warta.duckdb"))
    when = sv.add_mutually_exclusive_group()
    when.add_argument("--cron")
    when.add_argument("--interval", type=int)
    sv.add_argument("--config")
    sv.add_argument("--batch-size", type=int)
    sv.add_argument("--runner", choices=("local", "processes", "dask"), default="local")
    sv.add_argument("--dask-address")
    sv.add_argument("--workers", type=int)
    sv.add_argument("--lake")
    sv.add_argument("--api-url")
    args = parser.parse_args(argv)
    if args.command == "server":
        return run_server(args.host, args.port)
    try:
        serve(args.sources, args.warehouse, args.cron, args.interval, config_path=args.config,
              batch_size=args.batch_size, runner=args.runner, dask_address=args.dask_address,
              workers=args.workers, lake=args.lake, api_url=args.api_url)
    except (ScheduleError, ServerUnreachable, ValueError) as exc:
        print(f"warta: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ScheduleError) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
