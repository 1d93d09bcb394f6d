"""Same input, same warehouse under every task runner: threads, processes, a Dask cluster."""

from __future__ import annotations

import json
import logging

import pytest

from tests.corpus import article_text, write_corpus
from tests.warehouse.test_loader import snapshot

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The small corpus plus enough extra files for several batches in flight."""
    root = tmp_path_factory.mktemp("runners") / "src"
    expected = write_corpus(root)
    for i, key in enumerate(["beras", "gandum", "timnas", "banjir"] * 2):
        (root / "more" / f"{i:02d}.txt").parent.mkdir(exist_ok=True)
        (root / "more" / f"{i:02d}.txt").write_text(
            article_text(key) + f"Paragraf tambahan nomor {i} untuk berkas ini.\n" * (i % 3 + 1),
            encoding="utf-8")
    return root, expected


@pytest.fixture(scope="module")
def dask_cluster():
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    # The scheduler runs in this process and logs client comings and goings at INFO; after
    # Prefect re-configures logging, those lines reach a console handler bound to an earlier
    # test's captured (closed) stderr and print a "Logging error" traceback.
    dask_logger = logging.getLogger("distributed")
    level = dask_logger.level
    dask_logger.setLevel(logging.WARNING)
    try:
        yield cluster
    finally:
        cluster.close()
        dask_logger.setLevel(level)


def ingest(source, tmp_path, runner: str, **kwargs) -> tuple[dict, dict]:
    from flows.ingest import run_ingest

    db = tmp_path / f"{runner}.duckdb"
    summary = run_ingest(str(source), str(db), runner=runner, batch_size=3, workers=2,
                         progress="off", **kwargs)
    return summary, snapshot(db)


def test_every_runner_gives_the_same_warehouse(source, tmp_path, dask_cluster):
    root, expected = source
    local, local_snap = ingest(root, tmp_path, "local")
    assert local["batches"] >= 4  # several batches really were in flight at once
    assert {k: local[k] for k in ("rejects",)} == {"rejects": expected["rejects"]}
    assert local["records"] == local["documents"] + local["duplicates"] + local["rejects"]
    assert local_snap["documents"]
    for runner, kwargs in (("processes", {}),
                           ("dask", {"dask_address": dask_cluster.scheduler_address})):
        summary, snap = ingest(root, tmp_path, runner, **kwargs)
        for key in ("files_processed", "batches", "records", "documents", "duplicates",
                    "rejects", "rejects_by_reason"):
            assert summary[key] == local[key], (runner, key)
        assert snap == local_snap, runner


def test_dask_workers_did_the_batch_work(source, tmp_path, dask_cluster):
    """The batch tasks ran in the cluster's worker processes, not in the flow's process."""
    from distributed import Client

    root, _ = source
    with Client(dask_cluster.scheduler_address) as client:
        before = client.run(lambda dask_worker: dask_worker.state.transition_counter)
        ingest(root, tmp_path, "dask", dask_address=dask_cluster.scheduler_address)
        after = client.run(lambda dask_worker: dask_worker.state.transition_counter)
    assert len(after) == 2
    assert sum(after.values()) > sum(before.values())


def test_process_workers_share_the_temporary_server(source, tmp_path):
    """Without PREFECT_API_URL, pool workers report to the flow's temporary server: before the
    fix each worker started its own (three uvicorn processes, ~230 MB each, in one run)."""
    import contextlib
    import os
    import subprocess
    import sys
    import time

    import psutil

    root, expected = source
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    env.pop("WARTA_FAILPOINT", None)
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(root), "--warehouse",
           str(tmp_path / "w.duckdb"), "--runner", "processes", "--batch-size", "3",
           "--quiet", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    parent, most_servers = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        servers = 0
        for child in parent.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                servers += "uvicorn" in " ".join(child.cmdline())
        most_servers = max(most_servers, servers)
        time.sleep(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert most_servers == 1
    summary = json.loads(out[out.index("{"):])
    assert summary["documents"] == expected["documents"] + 8


def test_sigterm_stops_the_run_and_its_temporary_server(source, tmp_path):
    """A stopped run (timeout, systemd, docker stop send SIGTERM) takes its server along."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    root, _ = source
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    env.pop("WARTA_FAILPOINT", None)
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(root), "--warehouse",
           str(tmp_path / "w.duckdb"), "--quiet", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    parent = psutil.Process(proc.pid)
    servers: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while not servers and proc.poll() is None and time.monotonic() < deadline:
        servers = [c for c in parent.children(recursive=True)
                   if "uvicorn" in " ".join(c.cmdline())]
        time.sleep(0.1)
    assert servers, "the run started no temporary server"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 143
    gone, alive = psutil.wait_procs(servers, timeout=10)
    assert not alive
