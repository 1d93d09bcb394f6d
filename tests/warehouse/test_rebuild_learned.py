"""Corpus-learned boilerplate is kept in the lake, one file per learning pass, so that
`warta rebuild` restores what the warehouse had learned rather than recounting it."""

from __future__ import annotations

import json
import random
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.sources import list_source
from warehouse.loader import LEARNED_TABLES, Warehouse, rebuild_warehouse

CONFIG = WartaConfig(boilerplate_min_docs=3, boilerplate_min_share=0.5, extract_entities=False)
FOOTER = ("Dapatkan berita pilihan dan terkini setiap hari dari Contoh Warta dengan "
          "bergabung di kanal kami.")
_VOCABULARY = ("harga beras naik pasar pedagang petani gabah pemerintah subsidi listrik warga "
               "kota desa jalan banjir hujan sekolah guru murid rumah sakit dokter pasien "
               "polisi kereta bandara kapal nelayan ikan gunung hutan kopi gula garam minyak")
WORDS = _VOCABULARY.split()


def _story(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "."


def _write(src: Path, name: str, n: int, rng: random.Random) -> None:
    records = [{"title": f"Judul {name} {i}", "url": f"https://contohwarta.id/{name}/{i}",
                "content": f"{_story(rng)}\n\n{_story(rng)}\n\n{FOOTER}"} for i in range(n)]
    (src / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")


def _run(src: Path, db: Path) -> None:
    """One run as the flow makes it: the changed files in one batch, then learning."""
    run_id, started = str(uuid.uuid4()), datetime.now(UTC)
    with Warehouse(db) as wh:
        wh.enable_near_duplicates(CONFIG.near_dup_config())
        wh.start_run(run_id, str(src), started)
        files = list(list_source(str(src)))
        known = wh.known_versions([f.uri for f in files])
        changed = [f for f in files if known.get(f.uri) != (f.size, f.mtime)]
        batch_id = f"{run_id}-00000"
        staged = process_batch(batch_id, changed, wh.staging_dir(batch_id),
                               BatchContext(CONFIG, started,
                                            learned_boilerplate=wh.learned_boilerplate()))
        wh.commit_batch(staged, run_id)
        wh.learn_boilerplate(CONFIG.boilerplate_min_docs, CONFIG.boilerplate_min_share)
        wh.finish_run(run_id, {}, "completed")


def _learned(db: Path) -> tuple[list[tuple], int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT outlet, paragraph_hash, n_docs FROM boilerplate_paragraphs "
                           "ORDER BY 1, 2").fetchall()
        counted = con.execute("SELECT count(*) FROM boilerplate_learned_batches").fetchone()[0]
    finally:
        con.close()
    return rows, counted


def _learned_once(tmp_path: Path, seed: int) -> tuple[Path, tuple[list[tuple], int]]:
    """One run of four stories with the footer: the warehouse and what it learned."""
    src, db = tmp_path / "src", tmp_path / "w.duckdb"
    src.mkdir()
    _write(src, "run1", 4, random.Random(seed))
    _run(src, db)
    return db, _learned(db)


def test_rebuild_keeps_a_footer_the_outlet_has_outgrown(tmp_path: Path) -> None:
    """Learned from 4 stories; the next 6 are stored without it, so its count stays 4 while
    the outlet grows to 10 (share 0.4 < 0.5). A full recount, as rebuild did, forgot it,
    and runs after a rebuild kept the footer in every new story."""
    rng = random.Random(1)
    src, db = tmp_path / "src", tmp_path / "w.duckdb"
    src.mkdir()
    _write(src, "run1", 4, rng)
    _run(src, db)
    _write(src, "run2", 6, rng)
    _run(src, db)
    before = _learned(db)
    assert [(outlet, n) for outlet, _, n in before[0]] == [("contohwarta.id", 4)]
    assert before[1] == 2
    rebuild_warehouse(db, near_dup_config=CONFIG.near_dup_config(),
                      boilerplate=(CONFIG.boilerplate_min_docs, CONFIG.boilerplate_min_share))
    assert _learned(db) == before


def test_reopening_writes_a_learning_pass_the_lake_lacks(tmp_path: Path) -> None:
    """A kill between the learning COMMIT and its lake files (here: the files removed)
    is finished by the next open, so a rebuild still has the pass."""
    db, before = _learned_once(tmp_path, 2)
    lake = tmp_path / "w.lake"
    for table in LEARNED_TABLES:
        shutil.rmtree(lake / table)
    with Warehouse(db):
        pass
    assert all(list((lake / table).glob("*.parquet")) for table in LEARNED_TABLES)
    rebuild_warehouse(db, near_dup_config=CONFIG.near_dup_config())  # no relearning at all
    assert _learned(db) == before


def test_a_pass_killed_while_writing_its_files_is_completed(tmp_path: Path) -> None:
    """Killed after the paragraphs file, before the counted-batches file (the marker) and
    with a half-written .tmp left: reopening sweeps the .tmp and writes the pass again."""
    db, before = _learned_once(tmp_path, 3)
    marker_dir = tmp_path / "w.lake" / "boilerplate_learned_batches"
    [marker] = marker_dir.glob("*.parquet")
    marker.rename(marker.with_name(marker.name + ".tmp"))  # as a kill mid-write leaves it
    with Warehouse(db):
        pass
    assert [p.name for p in marker_dir.iterdir()] == [marker.name]
    rebuild_warehouse(db, near_dup_config=CONFIG.near_dup_config())
    assert _learned(db) == before


def test_a_batch_without_documents_counts_as_learned(tmp_path: Path) -> None:
    """Recorded from documents only, a batch of rejects stayed 'unlearned' for ever, and
    every run began with a learning pass over the whole warehouse."""
    src, db = tmp_path / "src", tmp_path / "w.duckdb"
    src.mkdir()
    (src / "kosong.txt").write_bytes(b"")
    _run(src, db)
    with Warehouse(db) as wh:
        assert wh.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
        assert not wh.has_unlearned_batches()


def test_rebuild_with_an_older_copy_of_the_file_keeps_the_newer_batches(tmp_path: Path) -> None:
    """Rebuild reads the old file only to add markers the lake lacks, never to remove what
    the file does not know: restored from a backup older than the lake, it would have
    taken the later batches out of the lake."""
    rng = random.Random(4)
    src, db = tmp_path / "src", tmp_path / "w.duckdb"
    src.mkdir()
    _write(src, "run1", 2, rng)
    _run(src, db)
    shutil.copy(db, tmp_path / "backup.duckdb")
    _write(src, "run2", 3, rng)
    _run(src, db)
    shutil.copy(tmp_path / "backup.duckdb", db)  # the older copy is put back
    rebuild_warehouse(db, near_dup_config=CONFIG.near_dup_config())
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    finally:
        con.close()
