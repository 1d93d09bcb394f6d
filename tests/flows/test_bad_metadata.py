"""One record with implausible metadata costs that value, not its batch.

Found in review: a record dated in the future or carrying a body in its title field failed a
critical expectation of the batch gate, so its whole batch (up to ~2,000 files) was quarantined,
and every rerun batched the same files the same way and failed again, with no reject row naming
the record. The extractor now passes such a value over for the next source (record ->
html_meta -> text), so the batch loads and only the bad value is missing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from tests.corpus import article_text

pytestmark = pytest.mark.usefixtures("prefect_server")

# A date five years after today's: "2031-03-04" when written, and always in the future.
FUTURE = f"{datetime.now(UTC).year + 5}-03-04"
LONG_TITLE = ("Banjir merendam ratusan rumah di Bekasi setelah hujan deras sejak sore. " * 17)[:1200]


def run_flow(source: Path, db: Path, **kwargs) -> dict:
    from flows.ingest import ingest_flow

    return ingest_flow(source=str(source), warehouse=str(db), **kwargs)


def test_one_bad_metadata_value_does_not_quarantine_the_batch(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"title": "Timnas U-23 Lolos ke Semifinal", "text": article_text("timnas", title=False),
         "date": "2025-06-18"},
        # The text says "Senin (16/6/2025)": the date falls back to it.
        {"title": "Harga Beras Medium Naik", "text": article_text("beras", title=False),
         "date": FUTURE},
        # A body glued into the title field; the text's first line is the headline.
        {"title": LONG_TITLE, "text": article_text("banjir"), "date": "2025-06-17"},
    ]
    (src / "campuran.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    # A neighbour in the same batch: before the fix it was kept out with the bad records.
    (src / "tetangga.json").write_text(json.dumps({
        "title": "Rusia Batasi Ekspor Gandum", "text": article_text("gandum", title=False),
        "date": "2025-06-18T09:00:00+07:00"}))
    db = tmp_path / "w.duckdb"

    summary = run_flow(src, db, batch_size=10)

    assert summary["batches"] == 1
    assert summary["quarantined_batches"] == [] and summary["quarantined_records"] == 0
    assert (summary["records"], summary["documents"], summary["rejects"]) == (4, 4, 0)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT record_index, title, title_source, published_date, published_at, "
            "date_source FROM documents WHERE source_uri LIKE '%campuran.jsonl' "
            "ORDER BY record_index").fetchall()
        neighbours = con.execute("SELECT count(*) FROM documents "
                                 "WHERE source_uri LIKE '%tetangga.json'").fetchone()[0]
        ledger = sorted(Path(r[0]).name for r in con.execute("SELECT uri FROM raw_files")
                        .fetchall())
        run = con.execute("SELECT status, quarantined FROM runs").fetchall()
        critical = con.execute("SELECT count(*) FROM dq_results WHERE NOT success "
                               "AND severity = 'critical'").fetchone()[0]
        longest = con.execute("SELECT max(length(title)) FROM documents").fetchone()[0]
        latest = con.execute("SELECT max(published_date) FROM documents").fetchone()[0]
    finally:
        con.close()

    assert [r[0] for r in rows] == [0, 1, 2]  # all three records of the file are documents
    good, future, glued = rows
    assert good[1:4] == ("Timnas U-23 Lolos ke Semifinal", "record", date(2025, 6, 18))
    assert good[5] == "record"
    # The future date is gone; the date a reader sees in the text took its place.
    assert future[1:3] == ("Harga Beras Medium Naik", "record")
    assert (future[3], future[4], future[5]) == (date(2025, 6, 16), None, "text")
    # The glued body is no title; the headline line of the text is.
    assert glued[1:3] == ("Banjir Rendam Ratusan Rumah di Bekasi", "first_line")
    assert (glued[3], glued[5]) == (date(2025, 6, 17), "record")
    assert longest < 1000 and latest <= datetime.now(UTC).date()
    assert neighbours == 1
    # The files are in the ledger: the next run does not batch them again.
    assert ledger == ["campuran.jsonl", "tetangga.json"]
    assert run == [("completed", 0)] and critical == 0
