"""The bundled sample corpus through a real Prefect flow run, against its manifest."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from tests.conftest import REPO, SAMPLE_CORPUS

MANIFEST = json.loads((REPO / "tests" / "sample_expected.json").read_text(encoding="utf-8"))
METADATA_FIELDS = ("title", "dateline", "outlet", "language", "published_date")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, prefect_server):
    from flows.ingest import ingest_flow

    db = tmp_path_factory.mktemp("sample") / "warta.duckdb"
    summary = ingest_flow(source=str(SAMPLE_CORPUS), warehouse=str(db), batch_size=10)
    con = duckdb.connect(str(db), read_only=True)
    yield summary, con
    con.close()


def _key(uri: str, index: int) -> str:
    return f"{os.path.relpath(uri, SAMPLE_CORPUS)}#{index}"


def test_totals_match_the_manifest(sample_run):
    summary, _ = sample_run
    totals = MANIFEST["totals"]
    assert summary["files_seen"] == totals["files"]
    for key in ("records", "documents", "duplicates", "rejects", "rejects_by_reason"):
        assert summary[key] == totals[key], key
    assert summary["records"] == summary["documents"] + summary["duplicates"] + summary["rejects"]


def test_every_record_ends_where_the_manifest_says(sample_run):
    _, con = sample_run
    docs = {_key(u, i): d for u, i, d in con.execute(
        "SELECT source_uri, record_index, doc_id FROM documents").fetchall()}
    id_to_key = {d: k for k, d in docs.items()}
    dups = {_key(u, i): id_to_key.get(c) for u, i, c in con.execute(
        "SELECT source_uri, record_index, canonical_doc_id FROM duplicates").fetchall()}
    rejects = {_key(u, i): r for u, i, r in con.execute(
        "SELECT source_uri, record_index, reason FROM rejects").fetchall()}
    for path, spec in MANIFEST["files"].items():
        for outcome in spec["outcomes"]:
            key = f"{path}#{outcome['index']}"
            if outcome["outcome"] == "document":
                assert key in docs, key
            elif outcome["outcome"] == "duplicate":
                assert dups.get(key) == outcome["of"], key
            else:
                assert rejects.get(key) == outcome["reason"], key


def test_title_and_language_match_the_gold(sample_run):
    _, con = sample_run
    got = {_key(u, i): (t, lang) for u, i, t, lang in con.execute(
        "SELECT source_uri, record_index, title, language FROM documents").fetchall()}
    checked = 0
    for path, spec in MANIFEST["files"].items():
        for outcome in spec["outcomes"]:
            gold = outcome.get("metadata") or {}
            key = f"{path}#{outcome['index']}"
            if outcome["outcome"] == "document" and "title" in gold:
                assert got[key][0] == gold["title"], key
                checked += 1
            if outcome["outcome"] == "document" and "language" in gold:
                assert got[key][1] == gold["language"], key
    assert checked >= 30


def test_near_duplicates_are_linked_into_one_cluster(sample_run):
    summary, con = sample_run
    keys = {d: _key(u, i) for d, u, i in con.execute(
        "SELECT doc_id, source_uri, record_index FROM documents").fetchall()}
    pairs = {frozenset((keys[d], keys[c])) for d, c in con.execute(
        "SELECT doc_id, canonical_doc_id FROM duplicates WHERE kind = 'near'").fetchall()}
    expected = {frozenset((p["a"], p["b"])) for p in MANIFEST["near_duplicates"]}
    assert pairs == expected
    assert summary["near_duplicate_links"] == len(expected)
    clusters = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert clusters == MANIFEST["totals"]["documents"] - len(expected)
