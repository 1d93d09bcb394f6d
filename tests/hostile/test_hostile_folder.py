"""Ingest the whole hostile folder (scripts/make_hostile_corpus.py) on a real DuckDB file.

Every file ends as documents or rejects with the expected reason, nothing escapes, no
symlink is followed out of the folder, odd names are stored under stable uris, and text
that looks like code (HTML, SQL, shell) is stored as text.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from tests.warehouse.test_loader import load, rows
from transforms.sources import local_relpath

REPO = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_hostile_corpus", REPO / "scripts" / "make_hostile_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    gen = _generator()
    base = tmp_path_factory.mktemp("hostile")
    source = base / "src"
    manifest = gen.write_hostile_corpus(source)
    db = base / "w.duckdb"
    started = time.monotonic()
    totals = load(source, db)
    seconds = time.monotonic() - started
    return {"gen": gen, "source": source, "db": db, "manifest": manifest, "totals": totals,
            "seconds": seconds}


def _outcomes(db: Path, source: Path) -> dict[str, set[str]]:
    """relpath -> outcomes ("accepted" or reject reasons) as stored in the warehouse."""
    uri_to_rel = dict(rows(db, "SELECT uri, relpath FROM raw_files"))
    found: dict[str, set[str]] = {}
    sql = ("SELECT source_uri, 'accepted' FROM documents UNION ALL "
           "SELECT source_uri, 'accepted' FROM duplicates UNION ALL "
           "SELECT source_uri, reason FROM rejects")
    prefix = str(source) + "/"
    for uri, outcome in rows(db, sql):
        relpath = uri_to_rel.get(uri) or uri.removeprefix(prefix)
        found.setdefault(relpath, set()).add(outcome)
    return found


def test_every_record_is_accounted_for(ingested):
    db, totals = ingested["db"], ingested["totals"]
    assert totals["records"] == totals["documents"] + totals["duplicates"] + totals["rejects"]
    [(docs, dups, rejects, ledger, unreadable)] = rows(
        db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM duplicates), "
            "(SELECT count(*) FROM rejects), (SELECT sum(n_records) FROM raw_files), "
            "(SELECT count(*) FROM rejects WHERE reason = 'unreadable')")
    assert (docs, dups, rejects) == (totals["documents"], totals["duplicates"], totals["rejects"])
    # Unreadable files stay out of the ledger (the next run tries again).
    assert docs + dups + rejects == ledger + unreadable == totals["records"]
    assert unreadable == len(ingested["manifest"]["unreadable"])


def test_every_hostile_file_ends_as_expected(ingested):
    expect = {local_relpath(rel): outcomes
              for rel, outcomes in ingested["manifest"]["expect"].items()}
    found = _outcomes(ingested["db"], ingested["source"])
    assert set(found) == set(expect), "files missing or unexpected"
    wrong = {rel: (sorted(found[rel]), sorted(expect[rel])) for rel in expect
             if not found[rel] <= expect[rel]}
    assert not wrong
    # Files with two records show both kinds of outcome.
    assert found["size/deep_object.jsonl"] == {"malformed_record", "accepted"}
    assert found["bytes/truncated.jsonl"] == {"malformed_record", "accepted"}


def test_links_hidden_files_and_outside_targets_are_not_ingested(ingested):
    stored = [u for (u,) in rows(ingested["db"], "SELECT source_uri FROM documents UNION ALL "
                                                 "SELECT source_uri FROM rejects UNION ALL "
                                                 "SELECT uri FROM raw_files")]
    outside = ingested["manifest"]["outside"]
    assert not [u for u in stored if outside in u]
    for rel in ingested["manifest"]["absent"]:
        assert not [u for u in stored if u.endswith("/" + rel) or ("/" + rel + "/") in u], rel
    assert not [u for u in stored if "/cycle/" in u or "/loop_" in u]


def test_undecodable_names_get_stable_storable_uris(ingested):
    uris = [u for (u,) in rows(ingested["db"], "SELECT uri FROM raw_files WHERE relpath "
                                               "LIKE 'names/bad%' OR relpath LIKE 'names/lone%'")]
    source = ingested["source"]
    assert sorted(uris) == [f"file://{source}/names/bad%FF%FE-latin1-caf%E9.txt",
                            f"file://{source}/names/lone-surrogate-%ED%A0%80.txt"]
    # The uri reads the file again (the flow retries and re-reads by uri).
    from transforms.sources import read_file_bytes
    assert all(read_file_bytes(u).startswith(b"Jembatan") for u in uris)
    odd = dict(rows(ingested["db"], "SELECT relpath, uri FROM raw_files "
                                    "WHERE relpath LIKE 'names/new%' OR relpath LIKE 'names/a::b%'"))
    assert odd == {"names/new\nline.txt": f"{source}/names/new\nline.txt",
                   "names/a::b.txt": f"{source}/names/a::b.txt"}


def test_code_looking_text_is_stored_as_text(ingested):
    gen, db = ingested["gen"], ingested["db"]
    titles = [t for (t,) in rows(db, "SELECT title FROM documents "
                                     "WHERE source_uri LIKE '%/safe/%' ORDER BY 1")]
    assert titles.count(gen.XSS_TITLE) == 2
    assert gen.SQL_TITLE in titles
    [(body,)] = rows(db, "SELECT body FROM documents WHERE source_uri LIKE '%/safe/xss.json'")
    assert '<img src=x onerror="alert(1)">' in body
    [(outlet,)] = rows(db, "SELECT outlet FROM documents WHERE source_uri LIKE '%/safe/sql.jsonl'")
    assert outlet is None or "DELETE FROM rejects" in outlet
    # Every table is still there and whole.
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == ingested["totals"]["documents"]
    assert rows(db, "SELECT count(*) FROM rejects")[0][0] == ingested["totals"]["rejects"]
    relpaths = {r for (r,) in rows(db, "SELECT relpath FROM raw_files")}
    assert {f"names/{name}" for name in gen.SHELL_NAMES} <= relpaths
    assert not (ingested["source"] / "names" / "pwned").exists()
    assert not Path("pwned").exists()


def test_strings_are_clean_of_surrogates_and_nul(ingested):
    db = ingested["db"]
    [(title, url, authors, body)] = rows(db, "SELECT title, url, authors, body FROM documents "
                                             "WHERE source_uri LIKE '%/bytes/surrogates.json'")
    assert title == "Judul \ufffd rusak" and url == "https://contoh.id/\ufffd"
    assert "\ufffd" in body
    [(title, url, body)] = rows(db, "SELECT title, url, body FROM documents "
                                    "WHERE source_uri LIKE '%/bytes/nul_in_fields.jsonl'")
    assert "\x00" not in title + url + body and "Warga" in body


def test_bounded_time_and_truncated_encodings(ingested):
    # ~45 MB of hostile input, most of it refused early: well under a minute on two cores.
    assert ingested["seconds"] < 120
    db = ingested["db"]
    [(body,)] = rows(db, "SELECT body FROM documents WHERE source_uri LIKE '%utf8_cut_mid_char%'")
    assert body.rstrip().endswith("\u201cKutipan terpotong")
    [(encoding,)] = rows(db, "SELECT encoding FROM documents "
                             "WHERE source_uri LIKE '%utf16_odd_length%'")
    assert encoding == "utf-16-le-bom"
    [(body,)] = rows(db, "SELECT body FROM documents WHERE source_uri LIKE '%two_members%'")
    assert "anggota gzip kedua" in body


def test_second_run_retries_only_unreadable_files(ingested):
    totals = load(ingested["source"], ingested["db"], run_id="run-2")
    n_unreadable = len(ingested["manifest"]["unreadable"])
    assert totals == {"records": n_unreadable, "documents": 0, "duplicates": 0,
                      "rejects": n_unreadable}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_generator_script_runs_standalone(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(REPO / "scripts" / "make_hostile_corpus.py"),
                          str(tmp_path / "c")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "hostile files" in out.stdout
