"""Everyday commands in-process: bundled queries, export, sql --file."""

from __future__ import annotations

import json

import duckdb
import pytest

from flows.cli import main
from tests.corpus import write_corpus
from tests.warehouse.test_loader import load
from warehouse.queries import bundled_queries


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("everyday")
    write_corpus(root / "src")
    db = root / "w.duckdb"
    load(root / "src", db)
    return db


def test_queries_lists_every_bundled_query(capsys):
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    for query in bundled_queries():
        assert query.name in out and query.description in out


@pytest.mark.parametrize("query", [q.name for q in bundled_queries()])
def test_every_bundled_query_runs(query, warehouse, capsys):
    assert main(["sql", "--file", query, "--warehouse", str(warehouse), "--format", "json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_export_table_and_query(suffix, warehouse, tmp_path, capsys):
    target = tmp_path / f"docs{suffix}"
    assert main(["export", "documents", "--to", str(target), "--warehouse", str(warehouse)]) == 0
    reader = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json"}[suffix]
    got = duckdb.connect().execute(f"SELECT count(*) FROM {reader}('{target}')").fetchone()[0]
    assert got == 4
    query_target = tmp_path / f"q{suffix}"
    assert main(["export", "SELECT title FROM documents WHERE title IS NOT NULL",
                 "--to", str(query_target), "--warehouse", str(warehouse)]) == 0
    assert "rows ->" in capsys.readouterr().out


def test_export_errors_are_clear(warehouse, tmp_path, capsys):
    assert main(["export", "nosuchtable", "--to", str(tmp_path / "x.csv"),
                 "--warehouse", str(warehouse)]) == 1
    assert "neither a table" in capsys.readouterr().err
    assert main(["export", "documents", "--to", str(tmp_path / "x.xlsx"),
                 "--warehouse", str(warehouse)]) == 1
    assert "unknown export format" in capsys.readouterr().err


def test_eval_ner_prints_f1_as_json(tmp_path, capsys):
    gold = tmp_path / "gold.iob"
    gold.write_text("Presiden\tO\nJoko\tB-PERSON\nWidodo\tI-PERSON\ntiba\tO\ndi\tO\n"
                    "Jakarta\tB-PLACE\n.\tO\n\nMenteri\tO\nKeuangan\tO\nberbicara\tO\n")
    assert main(["eval", "ner", str(gold)]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert "macro" in json.dumps(scores)
    assert main(["eval", "ner", str(tmp_path / "missing.iob")]) == 2


def test_bad_config_key_is_one_clear_line(tmp_path, capsys):
    config = tmp_path / "warta.yaml"
    config.write_text("batch_size: 10\nbatchsize: 20\n")
    assert main(["ingest", str(tmp_path), "--config", str(config)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown config key(s): batchsize" in err[0]


def test_newer_warehouse_is_refused_by_every_command(tmp_path, capsys):
    from warehouse.loader import Warehouse

    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.db.execute("UPDATE schema_info SET value = '99' WHERE key = 'version'")
    assert main(["status", "--warehouse", str(db)]) == 1
    assert "newer than this warta" in capsys.readouterr().err


def test_locked_warehouse_fails_fast_with_a_clear_line(tmp_path, capsys, monkeypatch):
    """Before any Prefect server starts (that cost 10-30 s, and the flow's failure then
    printed a traceback above the one line)."""
    import flows.cli
    from warehouse.loader import Warehouse

    def no_server(*args: object) -> None:
        raise AssertionError("a Prefect server was started for a busy warehouse")

    monkeypatch.setattr(flows.cli, "_early_server", no_server)
    write_corpus(tmp_path / "src")
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        code = main(["ingest", str(tmp_path / "src"), "--warehouse", str(db), "--quiet"])
    assert code == 1
    [err] = capsys.readouterr().err.strip().splitlines()
    assert err.startswith("warta: error: warehouse") and "another warta process" in err


def test_summary_says_when_files_read_were_already_known(capsys):
    """Files whose relative path and bytes the warehouse holds add no rows: without a line
    saying so, '1 read, records 0 = 0 + 0 + 0' looked like a lost file."""
    from flows.cli import _print_summary

    summary = {"source": "/b", "warehouse": "w.duckdb", "files_seen": 1, "files_skipped": 0,
               "files_processed": 1, "files_already_known": 1, "records": 0, "documents": 0,
               "duplicates": 0, "rejects": 0, "rejects_by_reason": {}, "seconds": 0.1,
               "run_id": "r"}
    _print_summary(summary)
    out = capsys.readouterr().out
    assert "  known     1 files read are versions the warehouse already holds" in out
    _print_summary(dict(summary, files_already_known=0))
    assert "known" not in capsys.readouterr().out
