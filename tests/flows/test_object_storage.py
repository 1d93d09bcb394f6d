"""Sources and the Parquet lake on S3, against moto's S3-compatible server on loopback."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.corpus import article_text, write_corpus
from tests.warehouse.test_loader import rows, snapshot

pytestmark = pytest.mark.usefixtures("prefect_server")

BUCKET = "warta-test"
S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
          "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def s3():
    """A moto S3 server on 127.0.0.1; AWS_ENDPOINT_URL points s3fs (and workers) at it."""
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {**S3_ENV, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.mkdir(BUCKET)
    try:
        yield fs
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def upload(fs, folder: Path, prefix: str) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        fs.pipe(f"{BUCKET}/{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes())
    fs.invalidate_cache()


def ingest(source: str, db: Path, **kwargs) -> dict:
    from flows.ingest import run_ingest

    return run_ingest(source, str(db), batch_size=3, progress="off", **kwargs)


def doc_ids(db: Path) -> list[tuple]:
    return rows(db, "SELECT doc_id, content_hash FROM documents ORDER BY doc_id")


def test_s3_source_is_ingested_and_a_rerun_adds_nothing(s3, tmp_path):
    expected = write_corpus(tmp_path / "src")
    upload(s3, tmp_path / "src", "raw/batch1")
    db = tmp_path / "w.duckdb"
    summary = ingest(f"s3://{BUCKET}/raw/batch1", db)
    assert {k: summary[k] for k in expected} == expected
    assert summary["files_processed"] == summary["files_seen"] == 12
    uris = [u for (u,) in rows(db, "SELECT uri FROM raw_files")]
    assert uris and all(u.startswith(f"s3://{BUCKET}/raw/batch1/") for u in uris)
    # doc_ids depend on the path inside the source, not on where the source lives.
    local_db = tmp_path / "local.duckdb"
    ingest(str(tmp_path / "src"), local_db)
    assert doc_ids(db) == doc_ids(local_db)

    before = snapshot(db)
    again = ingest(f"s3://{BUCKET}/raw/batch1", db)
    assert again["records"] == 0 and again["files_skipped"] == again["files_seen"] == 12
    assert snapshot(db) == before


def test_s3_object_added_later_is_read_by_the_same_process(s3, tmp_path):
    write_corpus(tmp_path / "src")
    upload(s3, tmp_path / "src", "raw/later")
    db = tmp_path / "w.duckdb"
    ingest(f"s3://{BUCKET}/raw/later", db)
    # Another client adds an object; this process (like a Dask worker) listed before.
    s3.pipe(f"{BUCKET}/raw/later/baru.txt", article_text("banjir").encode() + b"Baru.\n")
    third = ingest(f"s3://{BUCKET}/raw/later", db)
    assert third["rejects_by_reason"] == {}
    assert third["files_processed"] == 1 and third["documents"] == 1


@pytest.mark.parametrize("runner", ["local", "processes"])
def test_lake_on_s3_gives_the_same_warehouse_and_rebuilds(s3, tmp_path, runner):
    from warehouse.loader import rebuild_warehouse

    write_corpus(tmp_path / "src")
    prefix = f"raw-{runner}"
    upload(s3, tmp_path / "src", prefix)
    source = f"s3://{BUCKET}/{prefix}"
    lake = f"s3://{BUCKET}/lake-{runner}"
    local_db, db = tmp_path / "local.duckdb", tmp_path / "w.duckdb"
    ingest(source, local_db)
    summary = ingest(source, db, lake=lake, runner=runner, workers=2)
    assert snapshot(db) == snapshot(local_db)
    assert not db.with_name("w.lake").exists()  # nothing beside the DuckDB file
    keys = s3.find(f"{BUCKET}/lake-{runner}")
    assert any("/documents/" in k for k in keys) and any("/runs/" in k for k in keys)
    assert not any(k.endswith(".tmp") or "/_staging/" in k for k in keys)
    n_batches = len([k for k in keys if "/batches/" in k])
    assert n_batches == summary["batches"]

    again = ingest(source, db, lake=lake, runner=runner, workers=2)
    assert again["records"] == 0
    before = snapshot(db)
    db.unlink()
    assert rebuild_warehouse(db, lake=lake) == n_batches
    assert snapshot(db) == before


def test_uncommitted_lake_objects_are_removed_on_open(s3, tmp_path):
    from warehouse.loader import Warehouse

    lake = f"s3://{BUCKET}/lake-orphans"
    s3.pipe(f"{BUCKET}/lake-orphans/documents/dead-run-00000.parquet", b"PAR1")
    s3.pipe(f"{BUCKET}/lake-orphans/documents/x.parquet.tmp", b"PAR1")
    s3.pipe(f"{BUCKET}/lake-orphans/_staging/dead-run-00000/documents.parquet", b"PAR1")
    with Warehouse(tmp_path / "w.duckdb", lake=lake):
        pass
    s3.invalidate_cache()
    assert s3.find(f"{BUCKET}/lake-orphans") == []
