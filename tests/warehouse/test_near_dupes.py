"""link_batch, the articles view and learned boilerplate on real DuckDB files."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from transforms.near_dupes import NearDupConfig, paragraph_hash, signature_table
from warehouse.near_dupes import (
    NearDupSettingsError,
    boilerplate_hashes,
    learn_boilerplate,
    link_batch,
    near_dup_hook,
    store_minhash,
)
from warehouse.schema import apply_schema

CFG = NearDupConfig()
VOCAB = ["river", "council", "budget", "harbour", "school", "teacher", "market", "price", "farmer", "rain", "bridge", "minister", "village", "road", "clinic", "doctor", "festival", "museum", "train", "station", "coffee", "rice", "election", "mayor", "court", "judge", "police", "fire", "storm", "flood", "port", "ship", "fisherman"]


def story(seed: int, n_words: int = 200, n_paras: int = 4) -> str:
    rng = random.Random(seed)
    per = n_words // n_paras
    return "\n".join(" ".join(rng.choice(VOCAB) + str(rng.randrange(60)) for _ in range(per))
                     for _ in range(n_paras))


def edited(text: str, n: int, seed: int) -> str:
    rng = random.Random(seed)
    toks = text.split(" ")
    for _ in range(n):
        toks[rng.randrange(len(toks))] = "changed" + str(rng.randrange(999))
    return " ".join(toks)


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(c)
    yield c
    c.close()


def load(con: duckdb.DuckDBPyConnection, batch_id: str, docs: list[dict], run_id: str = "r1",
         cfg: NearDupConfig = CFG) -> dict:
    """What the loader does: insert documents and minhash rows, then link, in one transaction."""
    rows = []
    for i, d in enumerate(docs):
        rows.append({
            "doc_id": d["doc_id"], "source_uri": f"file://{batch_id}.jsonl", "record_index": i,
            "file_hash": "f" + batch_id, "format": "jsonl", "body": d["body"],
            "content_hash": d["doc_id"], "n_paragraphs": d["body"].count("\n") + 1,
            "n_repeated_paragraphs": 0, "n_boilerplate_lines": 0, "n_chars": len(d["body"]),
            "published_date": d.get("date"), "outlet": d.get("outlet", "example.com"),
            "ingested_at": datetime(2025, 1, 1, tzinfo=UTC), "run_id": run_id, "batch_id": batch_id,
        })
    tbl = pa.Table.from_pylist(rows)
    con.execute("BEGIN")
    con.register("_docs", tbl)
    con.execute("INSERT INTO documents BY NAME SELECT * FROM _docs")
    con.unregister("_docs")
    paras = pa.Table.from_pylist([{"doc_id": d["doc_id"], "position": j, "text": p}
                                  for d in docs for j, p in enumerate(d["body"].split("\n"))])
    con.register("_paras", paras)
    con.execute("INSERT INTO paragraphs BY NAME SELECT * FROM _paras")
    con.unregister("_paras")
    sigs = signature_table([d["doc_id"] for d in docs], [d["body"] for d in docs], cfg)
    store_minhash(con, batch_id, sigs, cfg=cfg)
    stats = link_batch(con, batch_id, run_id, cfg)
    con.execute("COMMIT")
    return stats


def clusters(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT doc_id, cluster_id FROM documents ORDER BY 1").fetchall())


def near_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT doc_id, canonical_doc_id, kind, round(similarity, 3), batch_id "
                       "FROM duplicates WHERE kind = 'near' ORDER BY doc_id").fetchall()


def test_links_within_batch_and_against_history(con: duckdb.DuckDBPyConnection) -> None:
    a, b = story(1), story(2)
    s1 = load(con, "b1", [
        {"doc_id": "a1", "body": a, "date": date(2025, 6, 2)},
        {"doc_id": "a2", "body": edited(a, 4, 1), "date": date(2025, 6, 3)},
        {"doc_id": "b1", "body": b, "date": date(2025, 6, 2)},
    ])
    assert s1["confirmed"] == 1 and s1["clusters_touched"] == 1
    assert clusters(con) == {"a1": "a1", "a2": "a1", "b1": "b1"}
    # A later batch brings an earlier-published copy: it becomes canonical for all three.
    s2 = load(con, "b2", [
        {"doc_id": "a0", "body": "Header of another outlet.\n" + edited(a, 3, 2),
         "date": date(2025, 6, 1), "outlet": "other.example"},
        {"doc_id": "c1", "body": story(3)},
    ], run_id="r2")
    assert s2["clusters_touched"] == 1
    assert clusters(con) == {"a0": "a0", "a1": "a0", "a2": "a0", "b1": "b1", "c1": "c1"}
    rows = near_rows(con)
    assert [r[:3] for r in rows] == [("a1", "a0", "near"), ("a2", "a0", "near")]
    assert all(r[3] >= 0.5 and r[4] == "b2" for r in rows)
    art = con.execute("SELECT doc_id, n_copies, outlets FROM articles ORDER BY doc_id").fetchall()
    assert art == [("a0", 3, ["example.com", "other.example"]), ("b1", 1, ["example.com"]),
                   ("c1", 1, ["example.com"])]


def test_bridge_document_merges_two_clusters(con: duckdb.DuckDBPyConnection) -> None:
    paras = story(5, 400, 10).split("\n")
    a = "\n".join(paras)
    left = "\n".join(paras[:8] + [story(50, 40, 1)])  # J(a, left) ~ 0.73
    right = "\n".join([story(51, 40, 1)] + paras[2:])  # J(a, right) ~ 0.73, J(left, right) ~ 0.5
    load(con, "b1", [{"doc_id": "l1", "body": left, "date": date(2025, 6, 5)},
                     {"doc_id": "l2", "body": edited(left, 2, 3), "date": date(2025, 6, 6)}])
    load(con, "b2", [{"doc_id": "r1", "body": right, "date": date(2025, 6, 4)}])
    assert clusters(con)["r1"] == "r1"  # too far from the left pair on its own
    # The bridge shares most of its text with both sides.
    load(con, "b3", [{"doc_id": "m1", "body": a, "date": date(2025, 6, 7)}])
    c = clusters(con)
    assert c["l1"] == c["l2"] == c["m1"] == c["r1"] == "r1"
    assert {r[0] for r in near_rows(con)} == {"l1", "l2", "m1"}


def test_unrelated_documents_stay_singletons(con: duckdb.DuckDBPyConnection) -> None:
    stats = load(con, "b1", [{"doc_id": f"d{i}", "body": story(100 + i)} for i in range(30)])
    assert stats["confirmed"] == 0
    assert all(k == v for k, v in clusters(con).items())
    assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == 30


def test_canonical_ties_break_on_length_then_id(con: duckdb.DuckDBPyConnection) -> None:
    a = story(9)
    load(con, "b1", [{"doc_id": "z", "body": a + " tail words here"},
                     {"doc_id": "y", "body": a},
                     {"doc_id": "x", "body": a + " tail"}])
    assert set(clusters(con).values()) == {"z"}


def test_same_inputs_give_same_rows(tmp_path: Path) -> None:
    def run(path: Path) -> tuple:
        c = duckdb.connect(str(path))
        apply_schema(c)
        for k in range(3):
            docs = []
            for i in range(6):
                base = story(200 + i)
                docs.append({"doc_id": f"b{k}d{i}", "body": edited(base, k * 3, k),
                             "date": date(2025, 6, 1 + (i + k) % 3)})
            load(c, f"b{k}", docs)
        out = (clusters(c), near_rows(c))
        c.close()
        return out
    first = run(tmp_path / "one.duckdb")
    assert first == run(tmp_path / "two.duckdb")
    assert len(first[1]) == 12  # six stories, three copies each


def test_settings_mismatch_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "b1", [{"doc_id": "a", "body": story(1)}])
    other = NearDupConfig(shingle_size=5)
    with pytest.raises(NearDupSettingsError):
        load(con, "b2", [{"doc_id": "b", "body": story(2)}], cfg=other)
    con.execute("ROLLBACK")
    # The threshold is not part of the stored signatures: it may change between runs.
    load(con, "b3", [{"doc_id": "c", "body": story(3)}], cfg=NearDupConfig(threshold=0.8))


def test_hook_signs_from_documents_when_pipeline_did_not(con: duckdb.DuckDBPyConnection) -> None:
    a = story(21)
    seen: list[dict] = []
    hook = near_dup_hook(CFG, on_stats=lambda batch, s: seen.append(s))
    con.execute("BEGIN")
    for i, body in enumerate([a, edited(a, 2, 9)]):
        con.execute(
            "INSERT INTO documents (doc_id, source_uri, record_index, file_hash, format, body, "
            "content_hash, n_paragraphs, n_repeated_paragraphs, n_boilerplate_lines, n_chars, "
            "ingested_at, run_id, batch_id) VALUES (?, 'u', ?, 'f', 'jsonl', ?, ?, 1, 0, 0, ?, "
            "now(), 'r', 'b1')", [f"h{i}", i, body, f"h{i}", len(body)])
    hook(con, "b1", "r")
    con.execute("COMMIT")
    assert seen[0]["signed_in_loader"] == 2 and seen[0]["confirmed"] == 1
    assert clusters(con) == {"h0": "h1", "h1": "h1"}  # undated: the longer copy wins


def test_learn_boilerplate_counts_clusters_per_outlet(con: duckdb.DuckDBPyConnection) -> None:
    footer = "Ikuti kami di kanal WhatsApp untuk berita terbaru."
    docs = []
    for i in range(12):
        body = story(300 + i) + "\n" + footer
        docs.append({"doc_id": f"o{i}", "body": body, "outlet": "one.example"})
    # A story syndicated five times on another outlet: one cluster, so not boilerplate.
    syn = story(400)
    for i in range(5):
        docs.append({"doc_id": f"s{i}", "body": edited(syn, i, i), "outlet": "two.example"})
    load(con, "b1", docs)
    added = learn_boilerplate(con, min_docs=5, min_share=0.5)
    assert added == 1
    learned = boilerplate_hashes(con)
    assert learned == {"one.example": frozenset({paragraph_hash(footer)})}
    assert boilerplate_hashes(con, "two.example") == {}
    ex = con.execute("SELECT example, n_docs FROM boilerplate_paragraphs").fetchall()
    assert ex == [(footer, 12)]
    # Learning again changes nothing; rows are never dropped.
    assert learn_boilerplate(con, min_docs=5, min_share=0.5) == 0
    assert learn_boilerplate(con, min_docs=50, min_share=0.9) == 0
    assert con.execute("SELECT count(*) FROM boilerplate_paragraphs").fetchall()[0][0] == 1


def test_incremental_learning_counts_new_batches_over_the_whole_history(
        con: duckdb.DuckDBPyConnection) -> None:
    """Incremental learning (what the flow does) recounts the paragraphs of batches not yet
    learned: a footer seen in three stories per batch is learned once five carry it, and a
    batch whose learning never ran (a crashed run) is counted by the next learning."""
    footer = "Simak berita pilihan lainnya di kanal kami setiap hari."

    def batch(n: int, with_footer: bool = True) -> None:
        load(con, f"b{n}", [{"doc_id": f"b{n}d{i}", "body": story(500 + 10 * n + i)
                             + ("\n" + footer if with_footer else ""),
                             "outlet": "one.example"} for i in range(3)], run_id=f"r{n}")

    batch(0)
    assert learn_boilerplate(con, min_docs=5, min_share=0.5) == 0   # 3 stories
    batch(1)                                                         # run r1 "crashes":
    batch(2, with_footer=False)                                      # r2 has no footer
    assert learn_boilerplate(con, min_docs=5, min_share=0.5) == 1   # r1's batch counted
    assert con.execute("SELECT n_docs FROM boilerplate_paragraphs").fetchall() == [(6,)]
    assert learn_boilerplate(con, min_docs=5, min_share=0.5) == 0   # nothing new
    learned = {r[0] for r in con.execute(
        "SELECT batch_id FROM boilerplate_learned_batches").fetchall()}
    assert learned == {"b0", "b1", "b2"}
    # Rows loaded without a hash (before schema 4) were hashed by the batch tasks' function.
    hashes = con.execute("SELECT DISTINCT paragraph_hash FROM paragraphs WHERE text = ?",
                         [footer]).fetchall()
    assert hashes == [(paragraph_hash(footer),)]
    assert learn_boilerplate(con, min_docs=5, min_share=0.5, incremental=False) == 0


def test_backfilled_hashes_match_python_where_sql_lower_differs(
        con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's lower() and Python's differ on 'İ' and final sigma: the backfill uses Python."""
    texts = ["İstanbul Kota lama", "ΟΔΟΣ ΣΟΦΙΑ di Athena", "Kİ  dan\tKA"]
    load(con, "b1", [{"doc_id": "g1", "body": "\n".join(texts)}])
    learn_boilerplate(con, min_docs=5, min_share=0.5)
    got = dict(con.execute("SELECT text, paragraph_hash FROM paragraphs").fetchall())
    assert got == {t: paragraph_hash(t) for t in texts}


def test_sql_paragraph_hash_matches_python(con: duckdb.DuckDBPyConnection) -> None:
    from warehouse.near_dupes import PARAGRAPH_HASH_SQL
    texts = ["Baca Juga", "  SCROLL TO\tCONTINUE  WITH CONTENT ", "Harga “Kopi” naik—4,15%",
             "Ça\nva", "ÉTÉ  café"]
    for t in texts:
        got = con.execute(f"SELECT {PARAGRAPH_HASH_SQL.format(col='?')}", [t]).fetchall()[0][0]
        assert got == paragraph_hash(t), t


def test_hot_band_keys_are_skipped(con: duckdb.DuckDBPyConnection) -> None:
    """A key shared by more stored documents than max_bucket yields no candidates."""
    base = story(77)
    docs = [{"doc_id": f"c{i}", "body": edited(base, 1, i)} for i in range(6)]
    stats = load(con, "b1", docs, cfg=NearDupConfig(max_bucket=0))
    assert stats["candidates"] == 0  # every shared key is over the cap
    assert all(k == v for k, v in clusters(con).items())
    more = [{"doc_id": f"d{i}", "body": edited(base, 1, 10 + i)} for i in range(6)]
    assert load(con, "b2", more)["candidates"] == 6 * 6 + 15  # every pair with a new copy


def test_signatures_are_stored_as_blobs_with_a_seq(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "b1", [{"doc_id": "a", "body": story(1)}, {"doc_id": "b", "body": story(2)}])
    load(con, "b2", [{"doc_id": "c", "body": story(3)}])
    rows = con.execute("SELECT doc_id, seq, octet_length(signature), batch_id "
                       "FROM minhash_signatures ORDER BY seq").fetchall()
    assert rows == [("a", 1, 4 * CFG.num_perm, "b1"), ("b", 2, 4 * CFG.num_perm, "b1"),
                    ("c", 3, 4 * CFG.num_perm, "b2")]
    assert con.execute("SELECT count(*), count(DISTINCT seq) FROM minhash_bands").fetchall() == [
        (3 * CFG.bands, 3)]


def _ingest(source: Path, db: Path, run_id: str) -> list[int]:
    """The loader as the flow runs it, with the near-duplicate hook added; one file per
    batch. Returns each batch's count of near-duplicate links."""
    from transforms.config import WartaConfig
    from transforms.pipeline import BatchContext, process_batch
    from transforms.sources import list_source
    from warehouse.loader import Warehouse

    with Warehouse(db) as wh:
        wh.add_after_insert_hook(near_dup_hook(CFG))
        wh.start_run(run_id, str(source), datetime.now(UTC))
        files = list_source(str(source))
        links = []
        for n, f in enumerate(files):
            batch_id = f"{run_id}-{n:05d}"
            staged = process_batch(batch_id, [f], wh.staging_dir(batch_id),
                                   BatchContext(WartaConfig(), datetime.now(UTC)))
            links.append(wh.commit_batch(staged, run_id).near_duplicates)
        wh.finish_run(run_id, {}, "completed")
    return links


def test_loader_hook_links_across_files_and_survives_a_rebuild(tmp_path: Path) -> None:
    import json

    from warehouse.loader import rebuild_warehouse

    src = tmp_path / "src"
    src.mkdir()
    a = story(501, 240, 6)

    def write(name: str, records: list[dict]) -> None:
        (src / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    write("a.jsonl", [{"url": "https://one.example/a", "title": "Harbour budget approved",
                       "text": a, "source": "one.example", "date": "2025-06-02"},
                      {"url": "https://one.example/b", "title": "Village festival",
                       "text": story(502, 240, 6), "source": "one.example", "date": "2025-06-02"}])
    write("b.jsonl", [{"url": "https://two.example/a", "title": "Harbour budget approved",
                       "text": edited(a, 6, 1), "source": "two.example", "date": "2025-06-03"}])
    db = tmp_path / "w.duckdb"
    _ingest(src, db, "run-1")
    c = duckdb.connect(str(db), read_only=True)
    by_url = dict(c.execute("SELECT url, cluster_id FROM documents").fetchall())
    near = c.execute("SELECT count(*) FROM duplicates WHERE kind = 'near'").fetchall()
    canon = c.execute("SELECT doc_id FROM documents WHERE url = 'https://one.example/a'").fetchall()
    c.close()
    assert by_url["https://two.example/a"] == by_url["https://one.example/a"] == canon[0][0]
    assert by_url["https://one.example/b"] != by_url["https://one.example/a"]
    assert near == [(1,)]
    db.unlink()
    rebuild_warehouse(db, hooks=[near_dup_hook(CFG)])
    c = duckdb.connect(str(db), read_only=True)
    assert dict(c.execute("SELECT url, cluster_id FROM documents").fetchall()) == by_url
    c.close()


def test_batch_link_counts_add_up_to_the_near_rows(tmp_path: Path) -> None:
    """Five copies of one story, one per batch, each dated earlier than the last, so each
    new copy becomes the cluster's canonical member. The batches' counts add up to the
    table's 'near' rows: counting rows by batch_id counted re-stamped older members again
    in every batch (1+2+3+4), counting the batch's own documents missed the older ones
    that a new canonical turns into duplicates (0 each)."""
    import json

    src = tmp_path / "src"
    src.mkdir()
    base = story(601, 240, 6)
    for k in range(5):
        (src / f"v{k}.json").write_text(json.dumps({
            "url": f"https://outlet{k}.example/a", "title": "Harbour budget approved",
            "text": edited(base, 4, k), "source": f"outlet{k}.example",
            "date": f"2025-06-{20 - k:02d}"}), encoding="utf-8")
    links = _ingest(src, tmp_path / "w.duckdb", "run-1")
    c = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        near = c.execute("SELECT count(*) FROM duplicates WHERE kind = 'near'").fetchone()[0]
        clusters_ = c.execute("SELECT count(DISTINCT cluster_id) FROM documents").fetchone()[0]
    finally:
        c.close()
    assert (near, clusters_) == (4, 1)
    assert links == [0, 1, 1, 1, 1] and sum(links) == near
