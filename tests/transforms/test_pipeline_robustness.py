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
    real = entities.extract_entities

    def flaky(body: str):
        if "Rusia" in body:
            raise RuntimeError("boom")
        return real(body)

    monkeypatch.setattr(entities, "extract_entities", flaky)
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
