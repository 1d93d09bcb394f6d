"""Property-based fuzzing of the readers and of one batch: random bytes, random encodings,
truncated and corrupted files of every raw format. Every input ends as records (a body or
a reject with a reason), the accounting holds, no exception escapes, every string is
storable. Counts: see tests/hostile/fuzzing.py (WARTA_FUZZ_EXAMPLES for a long run)."""

from __future__ import annotations

import gzip
import tempfile
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.hostile.fuzzing import any_file, corrupted, fuzz_settings
from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.readers import MAX_FIELD_CHARS, gunzip_bounded, read_records
from transforms.rejects import Rejected, RejectReason
from transforms.sources import list_source

# False positive: Prefect threads left by earlier tests use `random`; our strategies never do.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the .random. module inside strategies:"
    "hypothesis.errors.HypothesisDeprecationWarning")

SMALL = WartaConfig(max_file_bytes=200_000, max_line_bytes=50_000, max_record_bytes=100_000,
                    min_body_chars=20)


def check_records(name: str, data: bytes, config: WartaConfig) -> list:
    recs = list(read_records(name, data, config))
    indices = [r.record_index for r in recs]
    assert indices == sorted(set(indices)) and all(i >= 0 for i in indices)
    for rec in recs:
        assert (rec.reject is None) != (rec.body is None)
        if rec.reject is not None:
            assert isinstance(rec.reject, Rejected)
            assert rec.reject.reason in set(RejectReason)
            rec.reject.detail.encode("utf-8")
            continue
        assert isinstance(rec.body, str)
        rec.body.encode("utf-8")
        for value in [*rec.fields.values(), *rec.html_meta.values()]:
            assert isinstance(value, str) and "\x00" not in value
            assert len(value) <= MAX_FIELD_CHARS
            value.encode("utf-8")
    return recs


@fuzz_settings(400)
@given(any_file)
def test_readers_never_raise(file):
    name, data = file
    check_records(name, data, WartaConfig())
    check_records(name, data, SMALL)


@fuzz_settings(200)
@given(st.binary(max_size=5000), st.integers(1, 6000), st.data())
def test_gunzip_is_exact_or_a_reject(payload, limit, data):
    packed = gzip.compress(payload)
    broken = data.draw(corrupted(packed))
    try:
        out = gunzip_bounded(broken, limit)
    except Rejected as rejected:
        assert rejected.reason in {RejectReason.TOO_LARGE, RejectReason.MALFORMED_RECORD,
                                   RejectReason.EMPTY}
        if broken == packed:
            assert rejected.reason is RejectReason.TOO_LARGE and len(payload) > limit
        return
    assert len(out) <= limit
    if broken == packed:
        assert out == payload
    else:
        try:
            expected = gzip.decompress(broken)
        except (OSError, EOFError, zlib.error):
            return  # gzip's own reader is stricter about trailing bytes
        assert out == expected


def write_source(tmp: Path, files: list[tuple[str, bytes]]) -> Path:
    """A source folder holding the generated files (numbered: names may repeat)."""
    src = tmp / "src"
    src.mkdir()
    for i, (name, data) in enumerate(files):
        (src / f"{i}_{name}").write_bytes(data)
    return src


@fuzz_settings(80, cost=5)
@given(st.lists(any_file, min_size=1, max_size=3))
def test_one_batch_accounts_for_every_record(files):
    with tempfile.TemporaryDirectory() as tmp:
        src = write_source(Path(tmp), files)
        listed = list(list_source(str(src)))
        assert len(listed) == len(files)
        staged = process_batch("b", listed, str(Path(tmp) / "stage"),
                               BatchContext(SMALL, datetime.now(UTC)))
        assert staged.n_records == staged.n_documents + staged.n_rejects
        event(f"documents: {min(staged.n_documents, 2)}{'+' if staged.n_documents > 2 else ''}")
        for reason in staged.rejects_by_reason:
            event(f"reject: {reason}")
        ledger = pq.read_table(staged.path("files")).to_pylist()
        rejects = pq.read_table(staged.path("rejects")).to_pylist()
        documents = pq.read_table(staged.path("documents"))
        assert documents.num_rows == staged.n_documents
        assert {r["uri"] for r in ledger} == {f.uri for f in listed}
        assert sum(r["n_records"] for r in ledger) == staged.n_records
        assert {r["reason"] for r in rejects} <= {r.value for r in RejectReason}
        for column in ("title", "body", "url"):
            for value in documents.column(column).to_pylist():
                assert value is None or "\x00" not in value
        pa.Table.from_pylist(rejects)


@fuzz_settings(12, cost=50)
@given(st.lists(any_file, min_size=1, max_size=4))
def test_warehouse_accounting_on_duckdb(files):
    from tests.warehouse.test_loader import load, rows

    with tempfile.TemporaryDirectory() as tmp:
        src = write_source(Path(tmp), files)
        db = Path(tmp) / "w.duckdb"
        totals = load(src, db, config=SMALL)
        assert totals["records"] == totals["documents"] + totals["duplicates"] + totals["rejects"]
        [(docs, dups, rejects, ledger)] = rows(
            db, "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM duplicates), "
                "(SELECT count(*) FROM rejects), (SELECT sum(n_records) FROM raw_files)")
        assert docs + dups + rejects == ledger == totals["records"]
        assert rows(db, "SELECT count(*) FROM raw_files") == [(len(files),)]
