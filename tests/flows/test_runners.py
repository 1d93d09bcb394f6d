"""Same input, same warehouse under every task runner: threads, processes, a Dask cluster."""

from __future__ import annotations

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
    try:
        yield cluster
    finally:
        cluster.close()


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
