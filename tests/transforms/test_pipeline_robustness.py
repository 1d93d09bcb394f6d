"""One record's bug becomes that record's reject; nothing half-written, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow.parquet as pq

import transforms.entities as entities
from tests.corpus import write_corpus
from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.sources import list_source


def test_a_crash_in_entity_extraction_rejects_only_that_record(tmp_path, monkeypatch):
    write_corpus(tmp_path / "src")
    real = entities.extract_entities_batch

    def flaky(bodies: list[str]):  # fails every group that holds the Russian story
        if any("Rusia" in body for body in bodies):
            raise RuntimeError("boom")
        return real(bodies)

    monkeypatch.setattr(entities, "extract_entities_batch", flaky)
    files = list(list_source(str(tmp_path / "src")))
    staged = process_batch("b", files, str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), datetime.now(UTC)))
    docs = pq.read_table(staged.path("documents")).to_pylist()
    rejects = pq.read_table(staged.path("rejects")).to_pylist()
    internal = [r for r in rejects if (r["detail"] or "").startswith("internal error")]
    assert len(internal) == 2  # gandum.txt and its gzipped JSON copy
    assert all("Rusia" not in d["body"] for d in docs)
    entity_docs = set(pq.read_table(staged.path("entities")).column("doc_id").to_pylist())
    assert entity_docs <= {d["doc_id"] for d in docs}
    seqs = sorted([d["seq"] for d in docs] + [r["seq"] for r in rejects])
    assert seqs == list(range(1, staged.n_records + 1))  # no gap: every record counted once


def test_staged_tables_do_not_depend_on_the_entity_group_size(tmp_path, monkeypatch):
    """Documents wait in groups for entity extraction; the group size changes nothing staged."""
    import transforms.pipeline as pipeline

    write_corpus(tmp_path / "src")
    files = list(list_source(str(tmp_path / "src")))
    tables = {}
    for size in (1, 3, 64):
        monkeypatch.setattr(pipeline, "ENTITY_GROUP", size)
        staged = process_batch("b", files, str(tmp_path / f"stage{size}"),
                               BatchContext(WartaConfig(), datetime(2026, 1, 1, tzinfo=UTC)))
        tables[size] = {name: pq.read_table(staged.path(name)).to_pylist()
                        for name in ("documents", "paragraphs", "entities", "quotes",
                                     "cited_sources", "rejects")}
    assert len(tables[1]["documents"]) > 3 and tables[1]["entities"]
    assert tables[3] == tables[1] and tables[64] == tables[1]


def test_dates_are_bounded_by_the_runs_time_not_the_files(tmp_path):
    """The file's mtime anchors year-less dates; the run's time bounds every date."""
    import json
    import os
    from datetime import date

    from tests.corpus import article_text

    src = tmp_path / "src"
    src.mkdir()
    old = src / "lama.json"  # written long before the run; its record is dated after that
    old.write_text(json.dumps({"title": "Harga Beras Naik", "text": article_text("beras", False),
                               "date": "2025-03-04"}))
    os.utime(old, (datetime(2024, 1, 10, tzinfo=UTC).timestamp(),) * 2)
    ahead = src / "jam_maju.txt"  # a clock ahead: the file claims to be from 2034
    ahead.write_text(article_text("timnas").replace("Sabtu malam", "Sabtu (14/6) malam"))
    os.utime(ahead, (datetime(2034, 6, 20, tzinfo=UTC).timestamp(),) * 2)
    files = list(list_source(str(src)))
    staged = process_batch("b", files, str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), datetime(2025, 6, 20, tzinfo=UTC)))
    docs = {d["source_uri"].rsplit("/", 1)[-1]: d
            for d in pq.read_table(staged.path("documents")).to_pylist()}
    assert (docs["lama.json"]["published_date"], docs["lama.json"]["date_source"]) == (
        date(2025, 3, 4), "record")
    # 14 June was a Saturday in 2025 (and in 2036, after the run): the run's time anchors.
    assert docs["jam_maju.txt"]["published_date"] == date(2025, 6, 14)
    assert docs["jam_maju.txt"]["date_year_inferred"] is True


def test_implausible_metadata_costs_the_value_not_the_record(tmp_path):
    """A future date or a body glued into the title field: the record is staged with the next
    source's value, and the staged rows pass the gate's bounds."""
    import json
    from datetime import date

    from tests.corpus import article_text
    from transforms.metadata.dates import EARLIEST_TIME, latest_plausible
    from transforms.metadata.title import MAX_TITLE_CHARS

    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"title": "Timnas Lolos", "text": article_text("timnas", False), "date": "2025-06-18"},
        {"title": "Harga Beras Naik", "text": article_text("beras", False), "date": "2031-03-04"},
        {"title": "Banjir di Bekasi. " * 67, "text": article_text("banjir"),
         "date": "2025-06-17T25:00:00"},
        {"title": "Ekspor Gandum", "text": article_text("gandum", False),
         "date": "1900-01-01T03:00:00+07:00"},
    ]
    (src / "campur.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    reference = datetime(2025, 6, 20, tzinfo=UTC)
    staged = process_batch("b", list(list_source(str(src))), str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), reference))
    assert pq.read_table(staged.path("rejects")).num_rows == 0
    docs = sorted(pq.read_table(staged.path("documents")).to_pylist(),
                  key=lambda d: d["record_index"])
    assert [d["record_index"] for d in docs] == [0, 1, 2, 3]
    got = [(d["published_date"], d["date_source"], d["title_source"]) for d in docs]
    assert got == [(date(2025, 6, 18), "record", "record"),
                   (date(2025, 6, 16), "text", "record"),   # "Senin (16/6/2025)" in the text
                   (date(2025, 6, 17), "record", "first_line"),  # bad hour: day kept
                   (None, None, "record")]
    assert docs[2]["title"] == "Banjir Rendam Ratusan Rumah di Bekasi"
    latest = latest_plausible(reference)
    for d in docs:
        assert 1 <= len(d["title"]) <= MAX_TITLE_CHARS
        assert d["published_at"] is None or EARLIEST_TIME <= d["published_at"] <= latest


def test_the_ledger_row_has_the_size_and_time_the_file_was_read_under(tmp_path):
    """A file changed between listing and reading: its ledger row paired the listing's
    size and mtime with the new content, so the old version, put back with its old size
    and time (rsync -t), was taken as already read and never ingested."""
    import os

    from tests.corpus import article_text

    src = tmp_path / "src"
    src.mkdir()
    path = src / "a.txt"
    path.write_text(article_text("beras"))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    [listed] = list(list_source(str(src)))
    path.write_text(article_text("gandum") + "\n\nTambahan redaksi.")  # changed since listing
    os.utime(path, (1_700_000_500, 1_700_000_500))
    staged = process_batch("b1", [listed], str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), datetime.now(UTC)))
    [row] = pq.read_table(staged.path("files")).to_pylist()
    assert (row["size"], row["mtime"]) == (path.stat().st_size, 1_700_000_500)
    assert row["size"] != listed.size
