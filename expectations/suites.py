"""The expectation suites, as code: one per table, every expectation with a severity.

critical: the rows would corrupt the warehouse or are plainly wrong (a missing or repeated
    id, an empty body, a date in the future, a language code that is no ISO 639-1 code).
    A batch with a critical failure is kept out of the warehouse.
warning: worth a look, not worth stopping a run (a missing title, an outlet that does not
    look like a domain, a batch that is mostly not Indonesian). Recorded, the run goes on.

Expectations run on pandas DataFrames (GX's pandas engine supports regex; its duckdb-engine
route returns empty results in GX 1.24). Derived columns, added by the gate before
validation, express checks across tables: `doc_in_batch` (a paragraph, entity, quote or
cited source belongs to a document of the batch), `points_to_itself` (a duplicate row naming
itself as canonical), `offsets_match_body` (body[start:end] is the entity or quote text).

Reference-time bounds are suite parameters ($PARAMETER), so a suite is built once per
process and reused for every batch; see `batch_parameters`.

This module imports Great Expectations (~10 s): import it only where expectations run.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from functools import cache, lru_cache
from typing import Any

import pandas as pd

from expectations.gx_import import import_great_expectations
from expectations.results import CRITICAL, WARNING
from transforms.metadata import dates as _dates
from transforms.metadata.title import MAX_TITLE_CHARS

gx = import_great_expectations()  # before any other GX import: see expectations.gx_import
import great_expectations.expectations as gxe  # noqa: E402

__all__ = [
    "TABLE_SUITES",
    "WAREHOUSE_SUITE",
    "batch_parameters",
    "language_codes",
    "country_codes",
    "reject_reasons",
    "entity_kinds",
    "cited_source_kinds",
    "expectation_columns",
    "suite_for",
    "suite_columns",
]

# The critical bounds on dates and titles live in transforms.metadata, whose extractors pass
# over a value outside them for the next source: the gate and the extractor cannot disagree.
EARLIEST_DATE = datetime.combine(_dates.EARLIEST_DATE, time())  # older is a parse error
FUTURE_SLACK = _dates.FUTURE_SLACK          # time zones: WIB is UTC+7, WIT UTC+9
OLD_DATE = datetime(1990, 1, 1)             # older is unusual for online news (warning)
DOMAIN_REGEX = r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
HEX_ID_REGEX = r"^[0-9a-f]{24}$"
HASH_REGEX = r"^[0-9a-f]{32}$"
NOT_BLANK_REGEX = r"\S"                     # GX's pandas regex is a search: any non-space
URL_REGEX = r"^(?:https?|ftp)://\S+$"
FORMATS = ["txt", "json", "jsonl", "ndjson", "csv", "html", "htm"]


@lru_cache(maxsize=1)
def language_codes() -> list[str]:
    """Every ISO 639-1 code (pycountry): what transforms.metadata.language may return."""
    import pycountry

    return sorted(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@lru_cache(maxsize=1)
def country_codes() -> list[str]:
    """ISO 3166-1 alpha-2 codes, plus XK (Kosovo, user-assigned but universal)."""
    import pycountry

    return sorted({c.alpha_2 for c in pycountry.countries} | {"XK"})


@lru_cache(maxsize=1)
def reject_reasons() -> list[str]:
    from transforms.rejects import RejectReason

    return sorted(r.value for r in RejectReason)


@lru_cache(maxsize=1)
def entity_kinds() -> list[str]:
    try:
        from transforms.entities.iob import KINDS
    except ImportError:  # entities not landed yet
        KINDS = ("person", "organization", "location")
    return sorted(KINDS)


@lru_cache(maxsize=1)
def cited_source_kinds() -> list[str]:
    """The kinds transforms.entities.sources assigns (its tables), plus 'outlet'."""
    kinds = {"agency", "newspaper", "broadcaster", "platform", "outlet"}
    try:
        from transforms.entities import sources
    except ImportError:
        return sorted(kinds)
    kinds |= set(sources.KNOWN_SOURCES.values())
    kinds |= set(getattr(sources, "_DESCRIPTORS", {}).values())
    return sorted(k for k in kinds if k)


def _crit(cls: type, description: str, **kwargs: Any) -> Any:
    return cls(severity=CRITICAL, description=description, **kwargs)


def _warn(cls: type, description: str, **kwargs: Any) -> Any:
    return cls(severity=WARNING, description=description, **kwargs)


def _param(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


def documents_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectTableColumnsToMatchSet, "documents carry doc_id, source_uri, body "
              "and content_hash", column_set=["doc_id", "source_uri", "body", "content_hash"],
              exact_match=False),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every document has a doc_id", column="doc_id"),
        _crit(gxe.ExpectColumnValuesToBeUnique, "doc_id is unique in the batch", column="doc_id"),
        _warn(gxe.ExpectColumnValuesToMatchRegex, "doc_id looks like a warta id (24 hex digits)",
              column="doc_id", regex=HEX_ID_REGEX),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every document names its source file",
              column="source_uri"),
        _crit(gxe.ExpectColumnValuesToBeBetween, "record_index is not negative",
              column="record_index", min_value=0),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every document has a body", column="body"),
        _crit(gxe.ExpectColumnValuesToMatchRegex, "the body is not empty or blank",
              column="body", regex=NOT_BLANK_REGEX),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every document has a content hash",
              column="content_hash"),
        _warn(gxe.ExpectColumnValuesToMatchRegex, "content_hash is a 128-bit hex digest",
              column="content_hash", regex=HASH_REGEX),
        _crit(gxe.ExpectColumnValuesToBeBetween, "n_chars is positive", column="n_chars",
              min_value=1),
        _crit(gxe.ExpectColumnValuesToBeBetween, "n_paragraphs is positive",
              column="n_paragraphs", min_value=1),
        _warn(gxe.ExpectColumnValuesToNotBeNull, "most documents have a title (90%)",
              column="title", mostly=0.9),
        _crit(gxe.ExpectColumnValueLengthsToBeBetween, f"a title is 1-{MAX_TITLE_CHARS} "
              "characters", column="title", min_value=1, max_value=MAX_TITLE_CHARS),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a title is 10-250 characters",
              column="title", min_value=10, max_value=250),
        _crit(gxe.ExpectColumnValuesToBeInSet, "language is an ISO 639-1 code",
              column="language", value_set=language_codes()),
        _warn(gxe.ExpectColumnValuesToBeInSet, "the batch is mostly Indonesian (80%)",
              column="language", value_set=["id"], mostly=0.8),
        _crit(gxe.ExpectColumnValuesToBeBetween, "language_score is between 0 and 1",
              column="language_score", min_value=0, max_value=1),
        _crit(gxe.ExpectColumnValuesToBeBetween, "published_date is after 1900 and not in "
              "the future", column="published_date", min_value=EARLIEST_DATE,
              max_value=_param("latest_date")),
        _warn(gxe.ExpectColumnValuesToBeBetween, "published_date is after 1990",
              column="published_date", min_value=OLD_DATE),
        _crit(gxe.ExpectColumnValuesToBeBetween, "published_at is after 1900 and not in the "
              "future", column="published_at", min_value=_param("earliest_time"),
              max_value=_param("latest_time")),
        _warn(gxe.ExpectColumnValuesToNotBeNull, "at least half the documents have a "
              "publication date", column="published_date", mostly=0.5),
        _warn(gxe.ExpectColumnValuesToMatchRegex, "outlet looks like a domain (kompas.com)",
              column="outlet", regex=DOMAIN_REGEX),
        _warn(gxe.ExpectColumnValuesToMatchRegex, "url is an absolute http(s) URL",
              column="url", regex=URL_REGEX),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a dateline is 2-60 characters",
              column="dateline", min_value=2, max_value=60),
        _warn(gxe.ExpectColumnValuesToBeInSet, "format is a known raw format",
              column="format", value_set=FORMATS),
        _warn(gxe.ExpectColumnValuesToBeBetween, "n_words is 20-100000", column="n_words",
              min_value=20, max_value=100_000),
    ]


def paragraphs_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every paragraph names its document",
              column="doc_id"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "every paragraph belongs to a document of the "
              "batch", column="doc_in_batch", value_set=[True]),
        _crit(gxe.ExpectColumnValuesToBeBetween, "position is not negative", column="position",
              min_value=0),
        _crit(gxe.ExpectCompoundColumnsToBeUnique, "(doc_id, position) is unique",
              column_list=["doc_id", "position"]),
        _crit(gxe.ExpectColumnValuesToMatchRegex, "a paragraph is not empty or blank",
              column="text", regex=NOT_BLANK_REGEX),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a paragraph is at most 20000 "
              "characters", column="text", max_value=20_000),
    ]


def duplicates_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every duplicate has a doc_id",
              column="doc_id"),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every duplicate names its canonical document",
              column="canonical_doc_id"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "no duplicate names itself as canonical",
              column="points_to_itself", value_set=[False]),
        _crit(gxe.ExpectColumnValuesToBeInSet, "kind is exact or near", column="kind",
              value_set=["exact", "near"]),
        _crit(gxe.ExpectCompoundColumnsToBeUnique, "(doc_id, kind) is unique",
              column_list=["doc_id", "kind"]),
        _crit(gxe.ExpectColumnValuesToBeBetween, "similarity is between 0 and 1",
              column="similarity", min_value=0, max_value=1),
    ]


def rejects_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every reject names its source file",
              column="source_uri"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "reason is one of the known reject reasons",
              column="reason", value_set=reject_reasons()),
        _crit(gxe.ExpectColumnValuesToBeBetween, "record_index is not negative",
              column="record_index", min_value=0),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a reject detail is at most 2000 "
              "characters", column="detail", max_value=2000),
    ]


def entities_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every entity names its document",
              column="doc_id"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "every entity belongs to a document of the "
              "batch", column="doc_in_batch", value_set=[True]),
        _crit(gxe.ExpectColumnValuesToBeInSet, "kind is a known entity kind", column="kind",
              value_set=entity_kinds()),
        _crit(gxe.ExpectColumnValuesToBeInSet, "country_code is an ISO 3166-1 alpha-2 code",
              column="country_code", value_set=country_codes()),
        _crit(gxe.ExpectColumnValuesToMatchRegex, "entity text is not empty or blank",
              column="text", regex=NOT_BLANK_REGEX),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "entity text is at most 200 characters",
              column="text", max_value=200),
        _crit(gxe.ExpectColumnValuesToBeBetween, "start offset is not negative",
              column="start", min_value=0),
        _crit(gxe.ExpectColumnPairValuesAToBeGreaterThanB, "an entity ends after it starts",
              column_A="end", column_B="start"),
        _warn(gxe.ExpectColumnValuesToBeInSet, "body[start:end] is the entity text",
              column="offsets_match_body", value_set=[True]),
    ]


def quotes_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every quote names its document",
              column="doc_id"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "every quote belongs to a document of the "
              "batch", column="doc_in_batch", value_set=[True]),
        _crit(gxe.ExpectColumnValuesToMatchRegex, "a quote is not empty or blank",
              column="text", regex=NOT_BLANK_REGEX),
        _crit(gxe.ExpectColumnValuesToBeBetween, "start offset is not negative",
              column="start", min_value=0),
        _crit(gxe.ExpectColumnPairValuesAToBeGreaterThanB, "a quote ends after it starts",
              column_A="end", column_B="start"),
        _warn(gxe.ExpectColumnValuesToBeInSet, "body[start:end] is the quote text",
              column="offsets_match_body", value_set=[True]),
        # One letter is a real speaker: crime reports name people by initials ("ujar F").
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a speaker name is 1-120 characters",
              column="speaker", min_value=1, max_value=120),
    ]


def cited_sources_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every cited source names its document",
              column="doc_id"),
        _crit(gxe.ExpectColumnValuesToBeInSet, "every cited source belongs to a document of "
              "the batch", column="doc_in_batch", value_set=[True]),
        _crit(gxe.ExpectColumnValuesToMatchRegex, "a cited source has a name", column="name",
              regex=NOT_BLANK_REGEX),
        _warn(gxe.ExpectColumnValuesToBeInSet, "kind is a known source kind (agency, "
              "newspaper, broadcaster, platform, outlet)", column="kind",
              value_set=cited_source_kinds()),
        _warn(gxe.ExpectColumnValueLengthsToBeBetween, "a source name is at most 120 characters",
              column="name", max_value=120),
    ]


def raw_files_suite() -> list[Any]:
    return [
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every ledger row has a uri", column="uri"),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every ledger row has a relpath",
              column="relpath"),
        _crit(gxe.ExpectColumnValuesToNotBeNull, "every ledger row has a content hash",
              column="content_hash"),
        _crit(gxe.ExpectCompoundColumnsToBeUnique, "(uri, content_hash) is unique",
              column_list=["uri", "content_hash"]),
        _crit(gxe.ExpectColumnValuesToBeBetween, "size is not negative", column="size",
              min_value=0),
        _crit(gxe.ExpectColumnValuesToBeBetween, "a file holds at least one record",
              column="n_records", min_value=1),
        _warn(gxe.ExpectColumnValuesToBeInSet, "format is a known raw format",
              column="format", value_set=FORMATS),
    ]


def warehouse_suite() -> list[Any]:
    """Checks after the load; frames come from SQL (see expectations.warehouse_checks)."""
    zero = {"value": 0}
    return [
        # (frame name, expectation); the frame is named in the expectation's meta
        _frame("repeated_doc_ids", _crit(
            gxe.ExpectTableRowCountToEqual, "no doc_id appears twice in documents (across runs)",
            **zero)),
        _frame("exact_duplicates_in_documents", _crit(
            gxe.ExpectTableRowCountToEqual, "no exact duplicate is also stored as a document",
            **zero)),
        _frame("orphan_duplicates", _crit(
            gxe.ExpectTableRowCountToEqual, "every duplicates row points at an existing "
            "document", **zero)),
        _frame("near_duplicates_missing", _warn(
            gxe.ExpectTableRowCountToEqual, "every near duplicate is itself a stored document",
            **zero)),
        _frame("repeated_content_hashes", _warn(
            gxe.ExpectTableRowCountToEqual, "no two documents share a content hash (exact "
            "dedupe held)", **zero)),
        _frame("documents_without_paragraphs", _warn(
            gxe.ExpectTableRowCountToEqual, "every document of the run has paragraphs",
            **zero)),
        _frame("orphan_child_rows", _crit(
            gxe.ExpectTableRowCountToEqual, "every entity, quote and cited source of the run "
            "belongs to a stored document", **zero)),
        _frame("entity_offsets_off", _warn(
            gxe.ExpectTableRowCountToEqual, "each entity's offsets pick its text out of the "
            "body", **zero)),
        _frame("run_accounting", _crit(
            gxe.ExpectColumnPairValuesToBeEqual, "the run's records = documents + exact "
            "duplicates + rejects", column_A="records_seen", column_B="accounted")),
        _frame("run_rates", _warn(
            gxe.ExpectColumnValuesToBeBetween, "the reject rate is near the median of recent "
            "runs", column="reject_rate", min_value=_param("reject_rate_min"),
            max_value=_param("reject_rate_max"))),
        _frame("run_rates", _warn(
            gxe.ExpectColumnValuesToBeBetween, "the exact-duplicate rate is near the median of "
            "recent runs", column="duplicate_rate", min_value=_param("duplicate_rate_min"),
            max_value=_param("duplicate_rate_max"))),
    ]


def _frame(name: str, expectation: Any) -> Any:
    expectation.meta = {**(expectation.meta or {}), "frame": name}
    return expectation


TABLE_SUITES = {
    "documents": documents_suite,
    "paragraphs": paragraphs_suite,
    "duplicates": duplicates_suite,
    "rejects": rejects_suite,
    "entities": entities_suite,
    "quotes": quotes_suite,
    "cited_sources": cited_sources_suite,
    "raw_files": raw_files_suite,
}
WAREHOUSE_SUITE = "warehouse"


def batch_parameters(reference_time: datetime | None) -> dict[str, Any]:
    """Suite parameters of one batch: the latest plausible publication date and time."""
    # The same bounds as transforms.metadata.dates.is_plausible, from the same function.
    latest = pd.Timestamp(_dates.latest_plausible(reference_time or datetime.now(UTC)))
    return {
        "latest_date": pd.Timestamp(latest.date()),   # published_date is a naive datetime64
        "earliest_time": pd.Timestamp(_dates.EARLIEST_TIME),
        "latest_time": latest,
    }


def expectation_columns(expectation: Any) -> set[str]:
    kwargs = expectation.configuration.kwargs
    cols = set()
    for key in ("column", "column_A", "column_B"):
        if kwargs.get(key):
            cols.add(kwargs[key])
    cols.update(kwargs.get("column_list") or [])
    return cols


@cache
def suite_columns(table: str) -> frozenset[str]:
    """Every column the suite of `table` reads (derived ones included)."""
    return frozenset().union(*(expectation_columns(e) for e in TABLE_SUITES[table]()))


_SUITE_CACHE: dict[tuple[str, frozenset[str]], Any] = {}


def suite_for(table: str, columns: frozenset[str]) -> Any:
    """The GX suite of `table` restricted to expectations whose columns the frame has.

    Built once per (table, column set) and reused: other features add columns over time
    (entities, near duplicates), and a staged batch has fewer columns than a loaded one.
    """
    key = (table, columns)
    suite = _SUITE_CACHE.get(key)
    if suite is None:
        expectations = [e for e in TABLE_SUITES[table]()
                        if expectation_columns(e) <= columns
                        or isinstance(e, gxe.ExpectTableColumnsToMatchSet)]
        suite = gx.ExpectationSuite(name=table, expectations=expectations)
        _SUITE_CACHE[key] = suite
    return suite


def warehouse_expectations() -> list[Any]:
    return warehouse_suite()
