"""The batch gate: good batches pass, critical problems fail it, warnings do not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from expectations.gate import _comparable, check_batch
from expectations.results import DQ_SCHEMA
from tests.expectations.conftest import REFERENCE


def _with(table: pa.Table, edits: dict[int, dict]) -> pa.Table:
    rows = table.to_pylist()
    for index, changes in edits.items():
        rows[index].update(changes)
    return pa.Table.from_pylist(rows, schema=table.schema)


def test_good_batch_passes(gx_ready, good_batch):
    assert good_batch["documents"].num_rows >= 5
    result = check_batch(good_batch, "run-1", "b-good", REFERENCE)
    assert result.passed, result.failures
    assert not result.critical_failures
    rows = result.results.to_pylist()
    assert result.results.schema.equals(DQ_SCHEMA)
    suites = {r["suite"] for r in rows}
    assert suites >= {"documents", "paragraphs", "rejects", "raw_files"}
    if "entities" in good_batch:  # staged by the pipeline since entity extraction landed
        assert good_batch["entities"].num_rows and "entities" in suites
    assert {r["severity"] for r in rows} == {"critical", "warning"}
    assert all(r["run_id"] == "run-1" and r["batch_id"] == "b-good" for r in rows)
    doc_unique = next(r for r in rows if r["suite"] == "documents"
                      and r["expectation"] == "expect_column_values_to_be_unique")
    assert doc_unique["success"] and doc_unique["unexpected_count"] == 0
    assert doc_unique["element_count"] == good_batch["documents"].num_rows


def test_bad_batch_fails_critically(gx_ready, good_batch):
    docs = good_batch["documents"]
    first_id = docs.column("doc_id")[0].as_py()
    bad = _with(docs, {
        1: {"doc_id": first_id},                           # duplicate id
        2: {"body": "  \n "},                              # blank body
        3: {"published_date": date(2999, 1, 1)},           # in the future
        4: {"published_date": date(1700, 5, 1)},           # absurdly old
        5: {"language": "xx"},                             # no ISO 639-1 code
    })
    result = check_batch({**good_batch, "documents": bad}, "run-1", "b-bad", REFERENCE)
    assert not result.passed
    text = "\n".join(result.critical_failures)
    assert "doc_id is unique" in text and first_id in text
    assert "body is not empty" in text
    assert "published_date is after 1900 and not in the future (2 of" in text
    assert "language is an ISO 639-1 code" in text and "'xx'" in text
    # Critical failures come first in the summary sentences.
    assert result.failures[: len(result.critical_failures)] == result.critical_failures
    failed = [r for r in result.results.to_pylist() if not r["success"]]
    assert {r["column_name"] for r in failed if r["severity"] == "critical"} >= {
        "doc_id", "body", "published_date", "language"}


def test_dates_and_offsets_checked_column_wide_give_the_same_verdicts(gx_ready, good_batch):
    """Dates that fit datetime64[ns] are compared column-wide (cast by `_comparable`); the
    verdicts must be those of the row-by-row path that a date past 2262 still takes."""
    docs = good_batch["documents"]
    bad = _with(docs, {3: {"published_date": date(2100, 1, 1)},   # future, fits ns
                       4: {"published_date": date(1800, 5, 1)}})  # before 1900, fits ns
    frame_types = _comparable(bad.select(["published_date", "n_chars"])).schema
    assert frame_types.field("published_date").type == pa.timestamp("ns")
    assert frame_types.field("n_chars").type == pa.int64()
    result = check_batch({**good_batch, "documents": bad}, "run-1", "b-bad", REFERENCE)
    assert not result.passed
    assert "published_date is after 1900 and not in the future (2 of" in "\n".join(
        result.critical_failures)


def _verdicts(result) -> list[tuple]:
    """The gate's per-expectation rows, without the time they were checked at."""
    rows = [{k: v for k, v in r.items() if k != "checked_at"}
            for r in result.results.to_pylist()]
    key = ("suite", "expectation", "column_name", "description")
    return sorted((tuple(r[k] for k in key), r) for r in rows)


def test_column_wide_casts_give_the_row_by_row_verdicts(gx_ready, good_batch, monkeypatch):
    """The same batch through the gate twice: with `_comparable`'s casts (int32 -> int64,
    float32 -> float64, date32 -> timestamp[ns]) and without them (the row-by-row path it
    replaced). Failing values sit at and beyond the bounds, so every row must agree: the same
    expectations, success flags, unexpected and element counts, observed values, examples."""
    docs = good_batch["documents"]
    docs = docs.set_column(docs.schema.get_field_index("language_score"), "language_score",
                           docs.column("language_score").cast(pa.float32()))
    # Bounds: 1900 <= published_date <= reference + 1 day (critical), >= 1990 (warning).
    docs = _with(docs, {
        0: {"published_date": date(2100, 1, 1), "n_chars": 0},        # future; not positive
        1: {"published_date": date(2025, 6, 22), "n_words": 19},      # a day past the slack
        2: {"published_date": date(2025, 6, 21), "n_paragraphs": 0},  # last day allowed
        3: {"published_date": date(1800, 5, 1), "language_score": 1.5},  # before 1900
        4: {"published_date": date(1989, 12, 31), "language_score": -0.25},  # old: warning
        5: {"published_date": date(1990, 1, 1), "language_score": 1.0},  # first day not old
    })
    paragraphs = _with(good_batch["paragraphs"], {0: {"position": -1}})
    entities = _with(good_batch["entities"], {0: {"start": -1}, 1: {"start": 0}})
    quotes = _with(good_batch["quotes"], {0: {"start": -1}})
    ids = docs.column("doc_id").to_pylist()
    duplicates = pa.table({
        "doc_id": ids[:4], "source_uri": ["x"] * 4, "record_index": pa.array([0] * 4, pa.int32()),
        "canonical_doc_id": ids[4:8], "kind": ["exact", "near", "near", "near"],
        "similarity": pa.array([1.0, 1.5, -0.5, 0.75], pa.float32())})
    batch = {**good_batch, "documents": docs, "paragraphs": paragraphs, "entities": entities,
             "quotes": quotes, "duplicates": duplicates}
    cast = {f.name: f.type for f in _comparable(docs).schema}
    assert (cast["published_date"], cast["n_chars"], cast["language_score"]) == (
        pa.timestamp("ns"), pa.int64(), pa.float64())
    assert _comparable(duplicates).schema.field("similarity").type == pa.float64()

    column_wide = check_batch(batch, "run-1", "b-bad", REFERENCE)
    seen: list[pa.Schema] = []

    def as_is(table: pa.Table) -> pa.Table:
        seen.append(table.schema)
        return table

    monkeypatch.setattr("expectations.gate._comparable", as_is)
    row_by_row = check_batch(batch, "run-1", "b-bad", REFERENCE)
    assert pa.date32() in {f.type for s in seen for f in s}  # the casts really were skipped
    assert pa.float32() in {f.type for s in seen for f in s}

    assert _verdicts(column_wide) == _verdicts(row_by_row)
    assert (column_wide.passed, column_wide.failures) == (row_by_row.passed,
                                                          row_by_row.failures)
    failed = {(r["suite"], r["column_name"]): r["unexpected_count"]
              for r in column_wide.results.to_pylist() if not r["success"]}
    assert {("documents", "published_date"), ("documents", "n_chars"),
            ("documents", "n_words"), ("documents", "n_paragraphs"),
            ("documents", "language_score"), ("paragraphs", "position"),
            ("entities", "start"), ("quotes", "start"), ("duplicates", "similarity")} <= set(
        failed)
    published = {r["description"]: r["unexpected_count"] for r in column_wide.results.to_pylist()
                 if r["column_name"] == "published_date" and not r["success"]}
    assert published == {"published_date is after 1900 and not in the future": 3,
                         "published_date is after 1990": 2}
    assert failed[("duplicates", "similarity")] == 2


def test_comparable_types_keep_values_and_leave_out_of_range_dates():
    table = pa.table({
        "start": pa.array([0, None, 7], pa.int32()),
        "score": pa.array([0.5, 1.0, None], pa.float32()),
        "day": pa.array([date(2024, 2, 29), None, date(1999, 12, 31)]),
        "far": pa.array([date(9999, 1, 1), date(2020, 1, 1), None]),
        "name": pa.array(["a", "b", None]),
    })
    out = _comparable(table)
    assert [f.type for f in out.schema] == [pa.int64(), pa.float64(), pa.timestamp("ns"),
                                           pa.date32(), pa.string()]
    assert out.column("start").to_pylist() == [0, None, 7]
    assert out.column("score").to_pylist() == [0.5, 1.0, None]
    assert [d and d.date() for d in out.column("day").to_pylist()] == table.column(
        "day").to_pylist()
    assert out.column("far").equals(table.column("far"))


def test_future_is_relative_to_the_reference_time(gx_ready, good_batch):
    # One day of slack for time zones (WIB is UTC+7).
    docs = _with(good_batch["documents"], {0: {"published_date": date(2025, 6, 21),
                                               "published_at": datetime(2025, 6, 20, 23,
                                                                        tzinfo=UTC)}})
    assert check_batch({"documents": docs}, "r", "b", REFERENCE).passed
    later = _with(docs, {0: {"published_date": date(2025, 6, 22)}})
    assert not check_batch({"documents": later}, "r", "b", REFERENCE).passed
    later = _with(docs, {0: {"published_at": datetime(2025, 6, 21, 1, tzinfo=UTC)}})
    result = check_batch({"documents": later}, "r", "b", REFERENCE)
    assert not result.passed and "published_at" in result.failures[0]


def test_warnings_do_not_fail_the_gate(gx_ready, good_batch):
    docs = good_batch["documents"]
    n = docs.num_rows
    edits = {i: {"language": "en"} for i in range(n)}      # batch not mostly Indonesian
    edits[0].update(outlet="Kompas Online")                 # outlet that is no domain
    edits[1].update(title="Hi")                             # too short for a headline
    edits[2].update(published_date=date(1975, 8, 17))       # old but possible
    result = check_batch({**good_batch, "documents": _with(docs, edits)}, "r", "b", REFERENCE)
    assert result.passed, result.critical_failures
    warnings = "\n".join(result.warnings)
    assert len(result.warnings) == 4, warnings
    for expected in ("mostly Indonesian", "outlet looks like a domain", "'Kompas Online'",
                     "title is 10-250 characters", "published_date is after 1990"):
        assert expected in warnings


def test_cross_table_checks(gx_ready, good_batch):
    paragraphs = _with(good_batch["paragraphs"], {0: {"doc_id": "f" * 24}})
    duplicates = pa.table({"doc_id": ["a" * 24, "b" * 24], "source_uri": ["x", "y"],
                           "record_index": [0, 0], "canonical_doc_id": ["a" * 24, "c" * 24],
                           "kind": ["exact", "fuzzy"], "similarity": [1.0, 0.5]})
    result = check_batch({**good_batch, "paragraphs": paragraphs, "duplicates": duplicates},
                         "r", "b", REFERENCE)
    assert not result.passed
    text = "\n".join(result.critical_failures)
    assert "every paragraph belongs to a document of the batch" in text and "f" * 24 in text
    assert "no duplicate names itself as canonical" in text and "a" * 24 in text
    assert "kind is exact or near" in text and "fuzzy" in text


def test_entities_kinds_and_country_codes(gx_ready, good_batch):
    doc_id = good_batch["documents"].column("doc_id")[0].as_py()
    entities = pa.table({
        "doc_id": [doc_id] * 4, "kind": ["person", "location", "weapon", "location"],
        "text": ["Joko", "Rusia", "Bambu Runcing", "Narnia"], "canonical": ["Joko"] * 4,
        "country_code": [None, "RU", None, "NA1"], "start": [0, 10, 20, 30],
        "end": [4, 15, 33, 36]})
    result = check_batch({"documents": good_batch["documents"], "entities": entities},
                         "r", "b", REFERENCE)
    assert not result.passed
    text = "\n".join(result.critical_failures)
    assert "kind is a known entity kind" in text and "weapon" in text
    assert "country_code is an ISO 3166-1 alpha-2 code" in text and "NA1" in text
    good = entities.filter(pa.array([True, True, False, False]))
    assert check_batch({"documents": good_batch["documents"], "entities": good},
                       "r", "b", REFERENCE).passed


def test_missing_tables_and_columns_are_tolerated(gx_ready, good_batch):
    docs = good_batch["documents"].drop_columns(["language", "outlet", "published_date"])
    result = check_batch({"documents": docs, "entities": None}, "r", "b", REFERENCE)
    assert result.passed
    assert not {"language", "outlet", "published_date"} & {
        r["column_name"] for r in result.results.to_pylist()}
    # ... but a documents table without its key columns is a critical failure.
    bare = good_batch["documents"].select(["doc_id", "title"])
    result = check_batch({"documents": bare}, "r", "b", REFERENCE)
    assert not result.passed
    assert "documents carry doc_id, source_uri, body and content_hash" in result.failures[0]


def test_gate_result_pickles_without_gx_objects(gx_ready, good_batch):
    import pickle

    result = check_batch(good_batch, "r", "b", REFERENCE)
    assert result.validations
    copy = pickle.loads(pickle.dumps(result))
    assert copy.validations == [] and copy.results.equals(result.results)


@pytest.mark.parametrize("n_docs", [500])
def test_per_batch_cost_is_small(gx_ready, good_batch, n_docs):
    """~500 documents: the gate's cost is GX's per-expectation overhead, not the rows."""
    docs = good_batch["documents"]
    rows = docs.to_pylist()
    big = [dict(rows[i % len(rows)], doc_id=f"{i:024x}") for i in range(n_docs)]
    paragraphs = pa.Table.from_pylist(
        [{"doc_id": d["doc_id"], "position": p, "text": f"Paragraf {p} dari berita."}
         for d in big for p in range(8)], schema=good_batch["paragraphs"].schema)
    batch = {**good_batch, "documents": pa.Table.from_pylist(big, schema=docs.schema),
             "paragraphs": paragraphs}
    check_batch(batch, "r", "b", REFERENCE)  # first use of these suites
    seconds = min(check_batch(batch, "r", "b", REFERENCE).seconds for _ in range(2))
    print(f"gate on {n_docs} documents + {paragraphs.num_rows} paragraphs: {seconds:.2f} s")
    assert seconds < 10


# ---- the gate and the extractor share their bounds -------------------------------------------


def test_suite_bounds_are_the_extractors():
    """The critical date and title bounds are imported from transforms.metadata, not copied."""
    from expectations import suites
    from transforms.metadata import dates, title

    assert datetime.combine(dates.EARLIEST_DATE, datetime.min.time()) == suites.EARLIEST_DATE
    assert suites.FUTURE_SLACK is dates.FUTURE_SLACK
    params = suites.batch_parameters(REFERENCE)
    latest = dates.latest_plausible(REFERENCE)
    assert params["latest_time"] == latest and params["earliest_time"] == dates.EARLIEST_TIME
    assert params["latest_date"].date() == latest.date()
    lengths = [e for e in suites.documents_suite() if getattr(e, "column", None) == "title"
               and e.severity == "critical"]
    assert [(e.min_value, e.max_value) for e in lengths] == [(1, title.MAX_TITLE_CHARS)]


@pytest.mark.parametrize("column,value", [
    ("published_date", date(2025, 6, 21)),                          # last day allowed
    ("published_date", date(2025, 6, 22)),                          # a day past the slack
    ("published_date", date(1900, 1, 1)),                           # first day allowed
    ("published_date", date(1899, 12, 31)),
    ("published_at", datetime(2025, 6, 21, tzinfo=UTC)),            # reference + 1 day
    ("published_at", datetime(2025, 6, 21, 0, 0, 0, 1, tzinfo=UTC)),
    ("published_at", datetime(1900, 1, 1, tzinfo=UTC)),
    ("published_at", datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("title", "t" * 1000),
    ("title", "t" * 1001),
])
def test_gate_and_extractor_agree_at_the_bounds(gx_ready, good_batch, column, value):
    """At and just past each bound, the gate passes exactly what the extractor keeps."""
    from transforms.metadata.dates import ParsedDate, is_plausible, latest_plausible
    from transforms.metadata.title import MAX_TITLE_CHARS

    edit = {column: value}
    if column == "published_date":
        edit["published_at"] = None
        kept = is_plausible(ParsedDate(value), latest_plausible(REFERENCE))
    elif column == "published_at":
        edit["published_date"] = date(2025, 6, 1)
        kept = is_plausible(ParsedDate(date(2025, 6, 1), value), latest_plausible(REFERENCE))
    else:
        kept = len(value) <= MAX_TITLE_CHARS
    docs = _with(good_batch["documents"], {0: edit})
    result = check_batch({"documents": docs}, "r", "b", REFERENCE)
    assert result.passed is kept, result.critical_failures


def test_a_batch_with_implausible_record_metadata_passes_the_gate(gx_ready, tmp_path):
    """Records from the review: a future or pre-1900 date, a body glued into the title. The
    pipeline passes each bad value over, so the batch is not quarantined for it."""
    import json

    from expectations.gate import staged_tables
    from tests.corpus import article_text
    from transforms.config import WartaConfig
    from transforms.pipeline import BatchContext, process_batch
    from transforms.sources import list_source

    src = tmp_path / "src"
    src.mkdir()
    records = [
        {"title": "Timnas Lolos", "text": article_text("timnas", False), "date": "2025-06-18"},
        {"title": "Harga Beras", "text": article_text("beras", False), "date": "2031-03-04"},
        {"title": "Gandum", "text": article_text("gandum", False), "date": "05/06/2099"},
        {"title": "Banjir. " * 150, "text": article_text("banjir"),
         "date": "1900-01-01T03:00:00+07:00"},
    ]
    (src / "hostile.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    staged = process_batch("b", list(list_source(str(src))), str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), REFERENCE))
    tables = staged_tables(staged)
    assert tables["documents"].num_rows == 4
    result = check_batch(tables, "r", "b", REFERENCE)
    assert result.passed, result.critical_failures
