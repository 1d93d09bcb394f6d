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
