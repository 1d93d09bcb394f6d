"""Arrow schemas of the staged batch tables; they mirror warehouse/sql/001_core.sql."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

STAGED_DOCUMENTS = pa.schema([
    ("seq", pa.int64()),                 # order within the batch: earliest wins exact dedupe
    ("doc_id", pa.string()),
    ("source_uri", pa.string()),
    ("record_index", pa.int64()),
    ("file_hash", pa.string()),
    ("format", pa.string()),
    ("url", pa.string()),
    ("title", pa.string()),
    ("title_source", pa.string()),
    ("body", pa.string()),
    ("content_hash", pa.string()),
    ("n_paragraphs", pa.int32()),
    ("n_repeated_paragraphs", pa.int32()),
    ("n_boilerplate_lines", pa.int32()),
    ("n_chars", pa.int32()),
    ("n_words", pa.int32()),
    ("encoding", pa.string()),
    ("published_date", pa.date32()),
    ("published_at", TS),
    ("date_source", pa.string()),
    ("date_year_inferred", pa.bool_()),
    ("outlet", pa.string()),
    ("outlet_source", pa.string()),
    ("authors", pa.list_(pa.string())),
    ("authors_source", pa.string()),
    ("dateline", pa.string()),
    ("language", pa.string()),
    ("language_score", pa.float64()),
])

STAGED_PARAGRAPHS = pa.schema([
    ("doc_id", pa.string()),
    ("position", pa.int32()),
    ("text", pa.string()),
    ("paragraph_hash", pa.string()),  # transforms.near_dupes.paragraph_hash, for learning
])

STAGED_REJECTS = pa.schema([
    ("seq", pa.int64()),
    ("source_uri", pa.string()),
    ("record_index", pa.int64()),
    ("file_hash", pa.string()),
    ("reason", pa.string()),
    ("detail", pa.string()),
])

STAGED_FILES = pa.schema([
    ("uri", pa.string()),
    ("relpath", pa.string()),
    ("content_hash", pa.string()),
    ("size", pa.int64()),
    ("mtime", pa.float64()),
    ("format", pa.string()),
    ("n_records", pa.int64()),
])

STAGED_ENTITIES = pa.schema([
    ("doc_id", pa.string()),
    ("kind", pa.string()),
    ("text", pa.string()),
    ("canonical", pa.string()),
    ("country_code", pa.string()),
    ("start", pa.int32()),
    ("end", pa.int32()),
])

STAGED_QUOTES = pa.schema([
    ("doc_id", pa.string()),
    ("speaker", pa.string()),
    ("text", pa.string()),
    ("start", pa.int32()),
    ("end", pa.int32()),
])

STAGED_CITED_SOURCES = pa.schema([
    ("doc_id", pa.string()),
    ("name", pa.string()),
    ("kind", pa.string()),
])
