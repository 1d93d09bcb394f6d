"""A run killed with SIGKILL at any point, then rerun, equals one clean run."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus import write_corpus
from tests.warehouse.test_loader import snapshot


def warta_ingest(source: Path, db: Path, env: dict, failpoint: str | None = None):
    env = dict(env)
    if failpoint:
        env["WARTA_FAILPOINT"] = failpoint
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "ingest", str(source), "--warehouse", str(db),
         "--batch-size", "2"], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, prefect_server):
    from flows.ingest import ingest_flow

    root = tmp_path_factory.mktemp("clean")
    src = root / "src"
    write_corpus(src)
    db = root / "w.duckdb"
    ingest_flow(source=str(src), warehouse=str(db), batch_size=2)
    return src, snapshot(db)


@pytest.mark.parametrize("failpoint", [
    "mid_batch:2",        # inside a batch task, before its staging files are complete
    "lake_written:2",     # lake Parquet written, transaction not started
    "in_transaction:2",   # rows inserted, COMMIT not reached
    "committed:3",        # between batches
])
def test_kill_and_rerun_equals_clean_run(failpoint, clean_run, subprocess_env, tmp_path):
    src, expected = clean_run
    db = tmp_path / "w.duckdb"
    killed = warta_ingest(src, db, subprocess_env, failpoint)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    rerun = warta_ingest(src, db, subprocess_env)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert snapshot(db) == expected
    lake = db.with_name("w.lake")
    assert not list(lake.rglob("*.tmp"))
    assert not (lake / "_staging").exists() or not any((lake / "_staging").iterdir())


def test_rebuild_after_crash_and_rerun_equals_clean_run(clean_run, subprocess_env, tmp_path):
    src, expected = clean_run
    db = tmp_path / "w.duckdb"
    warta_ingest(src, db, subprocess_env, "lake_written:3")
    assert warta_ingest(src, db, subprocess_env).returncode == 0
    db.unlink()
    shutil.rmtree(tmp_path / "prefect_home", ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", "--warehouse", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert snapshot(db) == expected


def _rebuild(db: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", "--warehouse", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_rebuild_straight_after_a_crash_replays_only_committed_batches(
        clean_run, subprocess_env, tmp_path):
    """Killed with the second batch's lake files written but not committed, then rebuilt
    before anything reopens (and reconciles) the warehouse: the rebuild holds what was
    committed, not the killed batch too (its lake files used to be replayed)."""
    src, expected = clean_run
    db = tmp_path / "w.duckdb"
    killed = warta_ingest(src, db, subprocess_env, "lake_written:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    committed = snapshot(db)
    assert 0 < len(committed["raw_files"]) < len(expected["raw_files"])
    _rebuild(db)
    assert snapshot(db) == committed
    assert warta_ingest(src, db, subprocess_env).returncode == 0
    assert snapshot(db) == expected


def test_a_batch_committed_just_before_a_kill_is_in_the_rebuild(
        clean_run, subprocess_env, tmp_path):
    """Killed between a batch's COMMIT and its lake marker, then rebuilt at once: the
    rebuild first opens the old file, which writes the marker, so the batch is replayed
    (without that, the rebuilt file lacked a committed batch). A rerun then completes it."""
    src, expected = clean_run
    db = tmp_path / "w.duckdb"
    killed = warta_ingest(src, db, subprocess_env, "committed:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    committed = snapshot(db)
    assert len(committed["raw_files"]) > 2  # two batches of two files, and more
    _rebuild(db)
    assert snapshot(db) == committed
    assert warta_ingest(src, db, subprocess_env).returncode == 0
    assert snapshot(db) == expected
    _rebuild(db)
    assert snapshot(db) == expected


def test_a_run_killed_before_learning_is_learned_from_by_the_next(subprocess_env, tmp_path):
    """Killed after its last COMMIT, before the learning pass: the next run learns first,
    so its new story loses the footer, as it would have after a clean run (it was cleaned
    without the killed run's learning)."""
    import json

    import duckdb

    from tests.corpus import ARTICLES

    footer = ("Dapatkan berita pilihan setiap pagi langsung di kotak masuk Anda dengan "
              "berlangganan buletin harian kami secara gratis.")
    src = tmp_path / "src"
    src.mkdir()
    keys = list(ARTICLES)

    def story(key: str, name: str) -> None:
        title, body = ARTICLES[key]
        (src / name).write_text(json.dumps(
            {"title": title, "text": f"{body}\n\n{footer}", "source": "contoh.id"}))

    for key in keys[:3]:
        story(key, f"{key}.json")
    config = tmp_path / "warta.yaml"
    config.write_text("boilerplate_min_docs: 3\nboilerplate_min_share: 0.5\n"
                      "quality_gate: false\nbatch_size: 10\n")
    db = tmp_path / "w.duckdb"

    def ingest(failpoint: str | None = None) -> subprocess.CompletedProcess:
        env = dict(subprocess_env)
        if failpoint:
            env["WARTA_FAILPOINT"] = failpoint
        return subprocess.run(
            [sys.executable, "-m", "flows.cli", "ingest", str(src), "--warehouse", str(db),
             "--config", str(config)], capture_output=True, text=True, env=env, timeout=300)

    killed = ingest("committed:1")  # the only batch is committed; learning never ran
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    story(keys[3], "baru.json")
    assert ingest().returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(body,)] = con.execute(
            "SELECT body FROM documents WHERE source_uri LIKE '%baru.json'").fetchall()
    finally:
        con.close()
    assert footer not in body
