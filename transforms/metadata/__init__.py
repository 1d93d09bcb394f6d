"""Document metadata: the contract between the ingest pipeline and the extractors.

The pipeline hands `extract_metadata` the cleaned paragraphs of one record plus the
fields the record itself carried; it gets back the final title, the body paragraphs
(title, dateline and byline lines removed) and the metadata columns of `documents`.
Every field keeps where it came from (`<field>_source`), as trafilatura does: a field the
record carries wins over one read from the text, and html metadata comes in between.
An implausible value (a date before 1900 or after the run's time, a "title" of more than
1,000 characters) is passed over for the next source, so that one bad field costs the record
that field only: the batch quality gate refuses such values, and with them the whole batch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from transforms.metadata.authors import authors_from_field, split_bylines
from transforms.metadata.dateline import Dateline, parse_dateline
from transforms.metadata.dates import (
    ParsedDate,
    find_text_date,
    is_plausible,
    latest_plausible,
    parse_record_date,
)
from transforms.metadata.language import detect_language
from transforms.metadata.outlet import domain_of, outlet_from_name, self_mention_outlet
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

# "Sumber: Kompas.com" / "Sumber : ANTARA" closing a story (also glued after widget text).
_SOURCE_LINE = re.compile(r"(?:^|(?<=[a-z.]))\s*[Ss]umber\s*:\s*(?P<name>[^\n:]{2,60}?)\s*$")
_STANDALONE_DATE = re.compile(
    r"^\s*(?:(?:Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu)\s*,?\s*)?\d{1,2}\s+[A-Za-z]+\.?\s+\d{4}"
    r"(?:\s*[,|-]?\s*(?:pukul\s*)?\d{1,2}[:.]\d{2}\s*(?:WIB|WITA|WIT)?)?\s*$"
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


def _strip_date_lines(body: list[str]) -> tuple[list[str], list[str]]:
    """Drop paragraphs at the top or bottom that are only a date; return (body, removed)."""
    removed: list[str] = []
    while body and _STANDALONE_DATE.match(body[0]):
        removed.append(body.pop(0))
    while body and _STANDALONE_DATE.match(body[-1]):
        removed.append(body.pop())
    return body, removed


def _split_dateline(body: list[str]) -> tuple[Dateline | None, list[str]]:
    """Cut the dateline off the first paragraph (joining a dateline that sits on its own line)."""
    if not body:
        return None, body
    first = " ".join(body[0].split())
    found = parse_dateline(first)
    if found is None:
        return None, body
    rest = found.rest
    if not rest and len(body) > 1:
        return found, body[1:]
    return found, ([rest] if rest else []) + body[1:]


def _date_field(
    record: RecordFields,
    body: list[str],
    date_lines: list[str],
    lead: Dateline | None,
    reference: date,
    latest: datetime,
) -> tuple[ParsedDate | None, str | None]:
    """Record date, else html metadata, else the date a reader sees in the text.

    `reference` (the file's time) anchors year-less dates; a date of any source is kept only
    when plausible, not before 1900 and not after `latest` (the run's time + slack)."""
    for given, source in ((record.date, "record"), (record.meta.get("date"), "html_meta")):
        parsed = parse_record_date(given, reference)
        if parsed is not None and is_plausible(parsed, latest):
            return parsed, source
    lead_text = lead.date_text if lead else None
    if parsed := find_text_date(date_lines + body, reference, lead_text, latest):
        return parsed, "text"
    return None, None


def _source_line_outlet(body: list[str]) -> str | None:
    for para in body[-3:][::-1]:
        m = _SOURCE_LINE.search(para[-80:])
        if m and (name := outlet_from_name(m.group("name"))):
            return name
    return None


def _outlet_field(
    record: RecordFields, lead: Dateline | None, body: list[str]
) -> tuple[str | None, str | None]:
    """URL or source field, else html metadata, the dateline, a 'Sumber:' line, a self-mention."""
    candidates = (  # tried in order, each only if the ones before found nothing
        (lambda: domain_of(record.url), "record"),
        (lambda: outlet_from_name(record.source) or domain_of(record.source), "record"),
        (lambda: domain_of(record.meta.get("url")), "html_meta"),
        (lambda: outlet_from_name(record.meta.get("sitename")), "html_meta"),
        (lambda: outlet_from_name(lead.outlet) if lead else None, "dateline"),
        (lambda: _source_line_outlet(body), "source_line"),
    )
    for find, source in candidates:
        if value := find():
            return value, source
    if value := self_mention_outlet("\n".join(body)):
        return value, "text_mention"
    return None, None


def _authors_field(
    record: RecordFields, byline_names: list[str]
) -> tuple[list[str] | None, str | None]:
    if names := authors_from_field(record.author):
        return names, "record"
    if names := authors_from_field(record.meta.get("author")):
        return names, "html_meta"
    if byline_names:
        return byline_names, "text"
    return None, None


def extract_metadata(
    paragraphs: list[str],
    record: RecordFields,
    reference_time: datetime,
    latest: datetime | None = None,
) -> DocumentMetadata:
    """Fill the metadata columns of one record and return its final body paragraphs.

    `reference_time` anchors dates written without a year (the pipeline passes the file's
    time); `latest` is the latest plausible publication time, dates after it are passed over
    (the pipeline passes `latest_plausible(run's reference time)`; default:
    `latest_plausible(reference_time)`)."""
    if latest is None:
        latest = latest_plausible(reference_time)
    paragraphs = [p for p in paragraphs if p and p.strip()]
    title, title_source, body = split_title(
        paragraphs, record.title, record.meta.get("title"), record.meta.get("footer_title")
    )
    body, date_lines = _strip_date_lines(list(body))
    byline_names, body = split_bylines(body)
    lead, body = _split_dateline(body)
    reference = reference_time.date()
    parsed, date_source = _date_field(record, body, date_lines, lead, reference, latest)
    outlet, outlet_source = _outlet_field(record, lead, body)
    authors, authors_source = _authors_field(record, byline_names)
    language, score = detect_language("\n".join(body[:3]))
    fields: dict[str, Any] = {
        "title_source": title_source,
        "published_date": parsed.day if parsed else None,
        "published_at": parsed.at if parsed else None,
        "date_source": date_source,
        "date_year_inferred": bool(parsed and parsed.year_inferred),
        "outlet": outlet,
        "outlet_source": outlet_source,
        "authors": authors,
        "authors_source": authors_source,
        "dateline": lead.city if lead else None,
        "language": language,
        "language_score": score,
        "n_words": sum(map(len, map(str.split, body))),
    }
    return DocumentMetadata(title=title, title_source=title_source, paragraphs=body, fields=fields)
