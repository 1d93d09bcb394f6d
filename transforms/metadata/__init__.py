"""Document metadata: the contract between the ingest pipeline and the extractors.

The pipeline hands `extract_metadata` the cleaned paragraphs of one record plus the
fields the record itself carried; it gets back the final title, the body paragraphs
(title, dateline and byline lines removed) and the metadata columns of `documents`.
Every field keeps where it came from (`<field>_source`), as trafilatura does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from transforms.metadata.title import split_title

__all__ = ["RecordFields", "DocumentMetadata", "extract_metadata", "METADATA_COLUMNS"]

# Columns of `documents` filled by metadata extraction, in table order.
METADATA_COLUMNS = (
    "title_source",
    "published_date",
    "published_at",
    "date_source",
    "date_year_inferred",
    "outlet",
    "outlet_source",
    "authors",
    "authors_source",
    "dateline",
    "language",
    "language_score",
    "n_words",
)


@dataclass(frozen=True)
class RecordFields:
    """What one raw record carried besides its body, already decoded and mapped to our names."""

    title: str | None = None
    url: str | None = None
    author: str | None = None
    date: str | None = None
    source: str | None = None
    fmt: str = "txt"
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass
class DocumentMetadata:
    title: str | None
    title_source: str | None
    paragraphs: list[str]
    fields: dict[str, Any] = field(default_factory=dict)


def extract_metadata(
    paragraphs: list[str], record: RecordFields, reference_time: datetime
) -> DocumentMetadata:
    """Title first; the other fields are filled by the extractors of issue 3."""
    title, title_source, body = split_title(paragraphs, record.title)
    fields: dict[str, Any] = {name: None for name in METADATA_COLUMNS}
    fields["title_source"] = title_source
    fields["n_words"] = sum(len(p.split()) for p in body)
    return DocumentMetadata(title=title, title_source=title_source, paragraphs=body, fields=fields)
