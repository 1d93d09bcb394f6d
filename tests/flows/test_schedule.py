"""Scheduled runs for real: a Prefect server started here, a served deployment whose interval
schedule fires within the test, new files dropped between two runs, and only those ingested.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from flows.schedule import (
    ScheduleError,
    ServerUnreachable,
    check_server_reachable,
    deployment_name,
    resolve_spec,
    server_command,
    server_env,
)
from tests.corpus import article_text, write_corpus

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None,
             log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def live_server(tmp_path):
    """`prefect server start` on loopback with its own PREFECT_HOME, scheduler on."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = server_env()
    env.update(PREFECT_HOME=str(tmp_path / "prefect_home"),
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="1",
               PREFECT_SERVER_UI_ENABLED="false", PREFECT_UI_ENABLED="false",
               PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED="false",
               PREFECT_SERVER_SERVICES_FOREMAN_ENABLED="false")
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(server_command("127.0.0.1", port), env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: healthy(url), 120, "the Prefect server", proc, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def lake_runs(db: Path) -> list[dict]:
    """Finished runs from the lake (no DuckDB lock: the served runs hold the writer)."""
    folder = db.with_name(db.stem + ".lake") / "runs"
    rows = []
    for file in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        try:
            rows.extend(pq.read_table(file).to_pylist())
        except OSError:  # being renamed into place
            continue
    return sorted(rows, key=lambda r: r["started_at"])


def lake_files(db: Path) -> dict[str, str]:
    """relpath -> first_run of every ledger row in the lake."""
    folder = db.with_name(db.stem + ".lake") / "raw_files"
    out = {}
    for file in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        for row in pq.read_table(file, columns=["relpath", "first_run"]).to_pylist():
            out[row["relpath"]] = row["first_run"]
    return out


def test_served_schedule_ingests_only_new_files(tmp_path, live_server):
    src, db = tmp_path / "src", tmp_path / "w.duckdb"
    expected = write_corpus(src)
    env = dict(os.environ, PREFECT_API_URL=live_server, PREFECT_RUNNER_POLL_FREQUENCY="1",
               PREFECT_HOME=str(tmp_path / "client_home"))
    env.pop("WARTA_FAILPOINT", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.schedule", "serve", str(src), "--warehouse", str(db),
             "--interval", "6"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        first = wait_for(lambda: [r for r in lake_runs(db) if r["status"] == "completed"],
                         150, "the first scheduled run", serving, log)[0]
        assert first["records_seen"] == expected["records"]
        assert first["documents"] == expected["documents"]
        old = lake_files(db)
        # New files appear at once (written hidden, then renamed), as a scraper would drop them.
        new = {"baru/banjir.txt": article_text("banjir", title=False) + "Tambahan kalimat.\n",
               "baru/gandum2.txt": article_text("gandum") + "Kalimat penutup yang baru.\n"}
        for rel, text in new.items():
            path = src / rel
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_name("." + path.name)
            tmp.write_text(text, encoding="utf-8")
            tmp.rename(path)
        wait_for(lambda: set(new) <= set(lake_files(db)), 120, "a run ingesting the new files",
                 serving, log)
        files = lake_files(db)
        assert {rel: files[rel] for rel in old} == old  # old files: never read again
        new_runs = {files[rel] for rel in new}
        assert len(new_runs) == 1  # both new files in one run, which read nothing else
        (run_id,) = new_runs
        run = wait_for(lambda: next((r for r in lake_runs(db) if r["run_id"] == run_id), None),
                       60, "the second run to finish", serving, log)
        assert run["status"] == "completed"
        assert run["files_seen"] - run["files_skipped"] == len(new)
        assert run["records_seen"] == len(new) and run["documents"] == len(new)
        runs = lake_runs(db)
        assert all(r["status"] == "completed" for r in runs), runs
        assert sum(r["records_seen"] for r in runs) == expected["records"] + len(new)
    finally:
        os.killpg(serving.pid, signal.SIGINT)
        try:
            serving.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serving.pid, signal.SIGKILL)
            serving.wait()


def test_unreachable_server_fails_fast_with_a_hint():
    url = f"http://127.0.0.1:{free_port()}/api"
    started = time.monotonic()
    with pytest.raises(ServerUnreachable, match="no Prefect server at .*warta server"):
        check_server_reachable(url, timeout=3)
    assert time.monotonic() - started < 10


def test_serve_cli_reports_an_unreachable_server(tmp_path):
    write_corpus(tmp_path / "src")
    env = dict(os.environ, PREFECT_API_URL=f"http://127.0.0.1:{free_port()}/api")
    done = subprocess.run(
        [sys.executable, "-m", "flows.schedule", "serve", str(tmp_path / "src"),
         "--warehouse", str(tmp_path / "w.duckdb"), "--interval", "60"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "no Prefect server at" in done.stderr and "warta server" in done.stderr


def test_schedule_arguments_are_checked(tmp_path):
    with pytest.raises(ScheduleError, match="exactly one schedule"):
        resolve_spec(["x"], "*/5 * * * *", 60, None)
    with pytest.raises(ScheduleError, match="exactly one schedule"):
        resolve_spec(["x"], None, None, None)
    with pytest.raises(ScheduleError, match="cron"):
        resolve_spec(["x"], "every five minutes", None, None)
    with pytest.raises(ScheduleError, match="SOURCE"):
        resolve_spec([], None, 60, None)
    config = tmp_path / "warta.yaml"
    config.write_text("batch_size: 50\nserve:\n  sources: [a, s3://b/c]\n  cron: '0 * * * *'\n")
    spec = resolve_spec([], None, None, str(config))
    assert spec.sources == ["a", "s3://b/c"] and spec.cron == "0 * * * *"
    assert resolve_spec(["d"], None, 30, str(config)).sources == ["d"]
    assert deployment_name("/data/x") != deployment_name("/other/x")
