"""The ingest flow as Prefect runs it: real flow runs against the harness server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.corpus import article_text, write_corpus
from tests.warehouse.test_loader import snapshot

pytestmark = pytest.mark.usefixtures("prefect_server")


def run_flow(source: Path, db: Path, **kwargs) -> dict:
    from flows.ingest import ingest_flow

    return ingest_flow(source=str(source), warehouse=str(db), **kwargs)


def test_flow_accounts_for_every_record_and_stores_the_run(tmp_path):
    expected = write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    summary = run_flow(tmp_path / "src", db, batch_size=3)
    assert {k: summary[k] for k in expected} == expected
    assert summary["records"] == summary["documents"] + summary["duplicates"] + summary["rejects"]
    assert summary["batches"] >= 3
    con = duckdb.connect(str(db), read_only=True)
    run = con.execute("SELECT status, records_seen, documents, duplicates, rejects, "
                      "rejects_by_reason FROM runs").fetchall()
    gated = con.execute("SELECT count(DISTINCT d.batch_id), count(DISTINCT b.batch_id) "
                        "FROM batches b LEFT JOIN dq_results d USING (batch_id)").fetchone()
    con.close()
    assert run[0][:5] == ("completed", 14, 4, 4, 6)
    assert gated == (summary["batches"], summary["batches"])  # every batch's gate results kept
    assert json.loads(run[0][5]) == summary["rejects_by_reason"]


def test_flow_publishes_a_summary_artifact(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    write_corpus(tmp_path / "src")
    run_flow(tmp_path / "src", tmp_path / "w.duckdb")

    async def latest():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["warta-ingest-summary"])))

    import asyncio

    artifacts = asyncio.run(latest())
    assert artifacts and "Rejects by reason" in artifacts[0].data


def test_incremental_run_ingests_only_new_files(tmp_path):
    src = tmp_path / "src"
    write_corpus(src)
    db = tmp_path / "w.duckdb"
    run_flow(src, db)
    before = snapshot(db)
    again = run_flow(src, db)
    assert again["records"] == 0 and again["files_skipped"] == again["files_seen"]
    assert snapshot(db) == before
    (src / "baru.txt").write_text(article_text("timnas", title=False))
    third = run_flow(src, db)
    assert third["files_processed"] == 1 and third["duplicates"] == 1  # body seen in the JSONL


def test_cli_ingest_sql_status_rebuild(tmp_path, subprocess_env):
    src = tmp_path / "src"
    write_corpus(src)
    db = tmp_path / "w.duckdb"
    warta = [sys.executable, "-m", "flows.cli"]
    done = subprocess.run([*warta, "ingest", str(src), "--warehouse", str(db), "--json"],
                          capture_output=True, text=True, env=subprocess_env, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout[done.stdout.index("{"):])
    assert summary["documents"] == 4
    out = subprocess.run([*warta, "sql", "SELECT count(*) AS n FROM documents", "--warehouse",
                          str(db), "--format", "csv"], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines() == ["n", "4"]
    status = subprocess.run([*warta, "status", "--warehouse", str(db)], capture_output=True,
                            text=True, timeout=60)
    assert "documents" in status.stdout and "completed" in status.stdout
    db.unlink()
    rebuilt = subprocess.run([*warta, "rebuild", "--warehouse", str(db)], capture_output=True,
                             text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr
    out = subprocess.run([*warta, "sql", "SELECT count(*) FROM duplicates", "--warehouse",
                          str(db), "--format", "json"], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout)[0]["count_star()"] == 4


@pytest.mark.parametrize("argv,message", [
    (["ingest", "/no/such/folder"], "source not found"),
    (["ingest", ".", "--batch-size", "0"], "--batch-size must be a positive"),
    (["sql", "SELECT 1", "--warehouse", "/no/such.duckdb"], "no warehouse at"),
    (["ingest", ".", "--config", "/no/such.yaml"], "config file not found"),
])
def test_cli_errors_are_one_clear_line(argv, message):
    done = subprocess.run([sys.executable, "-m", "flows.cli", *argv], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"warta: error: {done.stderr.split(': ', 2)[2]}"
                                                .strip()]
    assert message in done.stderr


def test_quality_gate_keeps_a_bad_batch_out_and_says_why(tmp_path, monkeypatch):
    """A batch that breaks a critical expectation is quarantined, not loaded, and retried
    next run. The extractor drops implausible dates itself (tests/flows/test_bad_metadata.py),
    so a bug that lets one through is simulated: the date check is switched off."""
    import transforms.metadata as metadata

    monkeypatch.setattr(metadata, "is_plausible", lambda parsed, latest: True)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a_good.txt").write_text(article_text("beras"))
    (src / "b_future.json").write_text(_future_story("gandum", 0))
    db = tmp_path / "w.duckdb"
    summary = run_flow(src, db, batch_size=1)
    assert summary["documents"] == 1
    [quarantined] = summary["quarantined_batches"]
    assert quarantined["records"] == 1
    assert any("published_date" in f for f in quarantined["failures"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        uris = [r[0] for r in con.execute("SELECT uri FROM raw_files").fetchall()]
        failed = con.execute("SELECT count(*) FROM dq_results WHERE NOT success "
                             "AND severity = 'critical'").fetchone()[0]
        stored = con.execute("SELECT quarantined FROM runs").fetchone()[0]
    finally:
        con.close()
    assert [Path(u).name for u in uris] == ["a_good.txt"]  # retried next run
    assert failed >= 1 and stored == 1


def _future_story(topic: str, n: int) -> str:
    """A story dated 2099, its text made unique by a closing paragraph."""
    text = (f"{article_text(topic, title=False)}\n\nCatatan redaksi nomor {n}: berita ini "
            f"diperbarui setelah {n} kali konfirmasi dengan narasumber di lapangan.")
    return json.dumps({"title": f"Berita {topic} dari Masa Depan {n}", "text": text,
                       "date": "2099-01-01T10:00:00+07:00"})


def test_one_bad_file_does_not_keep_its_batch_out(tmp_path, monkeypatch):
    """The failed batch is checked again in halves: only the file that fails alone is
    quarantined, and only it is retried next run (its four neighbours, in the same batch of
    five, used to be kept out with it, on every run)."""
    import transforms.metadata as metadata

    monkeypatch.setattr(metadata, "is_plausible", lambda parsed, latest: True)
    src = tmp_path / "src"
    src.mkdir()
    for name, topic in [("a", "beras"), ("b", "gandum"), ("d", "timnas"), ("e", "banjir")]:
        (src / f"{name}.txt").write_text(article_text(topic))
    (src / "c_future.json").write_text(_future_story("beras", 0))
    db = tmp_path / "w.duckdb"
    summary = run_flow(src, db, batch_size=5)
    assert (summary["documents"], summary["quarantined_records"]) == (4, 1)
    [quarantined] = summary["quarantined_batches"]
    assert [Path(u).name for u in quarantined["uris"]] == ["c_future.json"]
    assert quarantined["files"] == 1 and quarantined["batch_id"].count(".") >= 1
    assert any("published_date" in f for f in quarantined["failures"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = sorted(Path(u).name for (u,) in con.execute("SELECT uri FROM raw_files")
                        .fetchall())
        docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert loaded == ["a.txt", "b.txt", "d.txt", "e.txt"] and docs == 4

    again = run_flow(src, db, batch_size=5)
    assert (again["files_seen"], again["files_skipped"]) == (5, 4)
    assert again["quarantined_records"] == 1 and again["documents"] == 0


def test_splitting_a_failed_batch_has_a_budget(tmp_path, monkeypatch):
    """Every file fails: with a budget of one split, the two halves are quarantined whole
    instead of being split down to single files (two gate runs per file)."""
    import flows.ingest
    import transforms.metadata as metadata

    monkeypatch.setattr(metadata, "is_plausible", lambda parsed, latest: True)
    monkeypatch.setattr(flows.ingest, "_SPLIT_BUDGET", 2)
    src = tmp_path / "src"
    src.mkdir()
    for i, topic in enumerate(["beras", "gandum", "timnas", "banjir", "beras", "gandum"]):
        (src / f"f{i}.json").write_text(_future_story(topic, i))
    summary = run_flow(src, tmp_path / "w.duckdb", batch_size=6)
    assert summary["documents"] == 0 and summary["quarantined_records"] == 6
    assert [q["files"] for q in summary["quarantined_batches"]] == [3, 3]
    assert [[Path(u).name for u in q["uris"]] for q in summary["quarantined_batches"]] == [
        ["f0.json", "f1.json", "f2.json"], ["f3.json", "f4.json", "f5.json"]]


FOOTER = ("Dapatkan berita pilihan setiap pagi langsung di kotak masuk Anda dengan "
          "berlangganan buletin harian kami secara gratis.")


def test_a_story_read_again_after_learning_stays_an_exact_duplicate(tmp_path):
    """A file saved again (new bytes, same story) after its outlet's footer was learned: the
    story is an exact duplicate of the stored one, not a new document without the footer."""
    from tests.corpus import ARTICLES
    from transforms.config import WartaConfig

    src = tmp_path / "src"
    src.mkdir()
    keys = list(ARTICLES)[:3]
    records = {key: {"title": ARTICLES[key][0], "text": f"{ARTICLES[key][1]}\n\n{FOOTER}",
                     "source": "contoh.id"} for key in keys}
    for key, record in records.items():
        (src / f"{key}.json").write_text(json.dumps(record))
    db = tmp_path / "w.duckdb"
    config = WartaConfig(boilerplate_min_docs=3, boilerplate_min_share=0.5, quality_gate=False)
    assert run_flow(src, db, config=config)["learned_boilerplate_paragraphs"] == 1
    (src / f"{keys[0]}.json").write_text(json.dumps(records[keys[0]], indent=2))  # saved again
    second = run_flow(src, db, config=config)
    assert (second["documents"], second["duplicates"]) == (0, 1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (3,)
    finally:
        con.close()


def test_boilerplate_learned_in_one_run_is_stripped_in_the_next(tmp_path):
    from tests.corpus import ARTICLES
    from transforms.config import WartaConfig

    src = tmp_path / "src"
    src.mkdir()
    keys = list(ARTICLES)
    for key in keys[:3]:
        title, body = ARTICLES[key]
        (src / f"{key}.json").write_text(json.dumps(
            {"title": title, "text": f"{body}\n\n{FOOTER}", "source": "contoh.id"}))
    db = tmp_path / "w.duckdb"
    config = WartaConfig(boilerplate_min_docs=3, boilerplate_min_share=0.5, quality_gate=False)
    first = run_flow(src, db, config=config)
    assert first["learned_boilerplate_paragraphs"] == 1
    title, body = ARTICLES[keys[3]]
    (src / "baru.json").write_text(json.dumps(
        {"title": title, "text": f"{body}\n\n{FOOTER}", "source": "contoh.id"}))
    second = run_flow(src, db, config=config)
    assert second["boilerplate_lines_by_rule"].get("learned_from_corpus") == 1
    con = duckdb.connect(str(db), read_only=True)
    try:
        [(new_body,)] = con.execute("SELECT body FROM documents WHERE source_uri LIKE "
                                    "'%baru.json'").fetchall()
        learned = con.execute("SELECT outlet, n_docs FROM boilerplate_paragraphs").fetchall()
    finally:
        con.close()
    assert FOOTER not in new_body
    assert learned == [("contoh.id", 3)]
    # Each learning pass is in the lake: a rebuild restores what was learned.
    from warehouse.loader import rebuild_warehouse

    rebuild_warehouse(db, near_dup_config=config.near_dup_config(),
                      boilerplate=(config.boilerplate_min_docs, config.boilerplate_min_share))
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT outlet, n_docs FROM boilerplate_paragraphs").fetchall() == [
            ("contoh.id", 3)]
    finally:
        con.close()


def test_a_warehouse_inside_its_source_is_not_read_as_input(tmp_path):
    """`warta ingest .` with the warehouse under `.`: its DuckDB file, lake and the staging
    files of the running batches are not listed as raw files, in this run or the next."""
    src = tmp_path / "src"
    src.mkdir()
    for key in ("beras", "gandum"):
        (src / f"{key}.txt").write_text(article_text(key))
    db = src / "zz_warehouse" / "warta.duckdb"  # walked after the articles: the run's staging exists
    first = run_flow(src, db, batch_size=1)
    second = run_flow(src, db, batch_size=1)
    assert (first["files_seen"], first["documents"], first["rejects"]) == (2, 2, 0)
    assert (second["files_seen"], second["files_skipped"], second["rejects"]) == (2, 2, 0)


def test_only_the_warehouse_files_themselves_are_left_out(tmp_path):
    """Input files named like the warehouse (`warta_2024-06-18.txt`, `warta.notes.txt`
    beside `warta.duckdb`) are read: the old prefix test dropped them silently, counted
    nowhere. And a source named through a symlink still leaves the warehouse out (the old
    test compared the link's spelling with the warehouse's real path)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "warta_2024-06-18.txt").write_text(article_text("beras"))
    (src / "warta.notes.txt").write_text(article_text("gandum"))
    link = tmp_path / "via_link"
    link.symlink_to(src)
    db = src / "warta.duckdb"
    first = run_flow(src, db, batch_size=1)
    assert (first["files_seen"], first["documents"], first["rejects"]) == (2, 2, 0)
    (src / "warta_report.html").write_text("<html>report</html>")  # `warta report` output
    second = run_flow(link, db, batch_size=1)
    assert second["files_seen"] == 2 and second["rejects"] == 0


def test_a_second_source_with_the_same_layout_and_bytes_is_counted_as_known(tmp_path):
    """A mirror (or the source moved): its files are versions the warehouse holds; the run
    says so instead of showing files read that became nothing."""
    for name in ("a", "b"):
        (tmp_path / name / "sub").mkdir(parents=True)
        (tmp_path / name / "sub" / "x.txt").write_text(article_text("beras"))
    db = tmp_path / "w.duckdb"
    first = run_flow(tmp_path / "a", db)
    second = run_flow(tmp_path / "b", db)
    assert (first["documents"], first["files_already_known"]) == (1, 0)
    assert (second["files_processed"], second["records"], second["files_already_known"]) == (
        1, 0, 1)
