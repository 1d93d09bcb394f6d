"""Raw file formats to records: one dict of fields (or one reject) per article.

A reader never raises for bad content: a broken line in a JSONL file becomes a reject for
that record and the reader goes on with the next line.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from transforms.config import WartaConfig
from transforms.decoding import decode_bytes
from transforms.rejects import Rejected, RejectReason

TEXT_FORMATS = {"txt": "txt", "text": "txt", "json": "json", "jsonl": "jsonl",
                "ndjson": "jsonl", "csv": "csv", "html": "html", "htm": "html"}


@dataclass
class RawRecord:
    """One article as found in a file: its fields, or why it was refused."""

    record_index: int
    fields: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    html_meta: dict[str, str] = field(default_factory=dict)
    reject: Rejected | None = None


def detect_format(path: str) -> tuple[str | None, bool]:
    """(format, gzipped) from the file name; format None when unsupported."""
    name = path.rsplit("/", 1)[-1].lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    return TEXT_FORMATS.get(ext), gzipped


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """Decompress while counting: a gzip bomb is refused before it fills memory."""
    out = io.BytesIO()
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunk = 1 << 20
    view = memoryview(data)
    pos = 0
    try:
        while pos < len(view) or decompressor.unconsumed_tail:
            piece = decompressor.unconsumed_tail or view[pos:pos + chunk]
            if not decompressor.unconsumed_tail:
                pos += chunk
            out.write(decompressor.decompress(piece, chunk))
            if out.tell() > limit:
                raise Rejected(RejectReason.TOO_LARGE,
                               f"decompresses to more than {limit} bytes")
            if decompressor.eof:
                break
    except zlib.error as exc:
        raise Rejected(RejectReason.MALFORMED_RECORD, f"corrupt gzip: {exc}") from exc
    if not decompressor.eof:
        raise Rejected(RejectReason.MALFORMED_RECORD, "truncated gzip")
    return out.getvalue()


def read_records(path: str, data: bytes, config: WartaConfig) -> Iterator[RawRecord]:
    """Yield the records of one raw file; file-level failures become one reject record."""
    fmt, gzipped = detect_format(path)
    if fmt is None:
        ext = path.rsplit("/", 1)[-1].rsplit(".", 1)[-1] if "." in path else "(none)"
        yield RawRecord(0, reject=Rejected(RejectReason.UNSUPPORTED_FORMAT,
                                           f"unsupported file type .{ext}"))
        return
    try:
        if gzipped:
            data = gunzip_bounded(data, config.max_file_bytes)
        if len(data) > config.max_file_bytes:
            raise Rejected(RejectReason.TOO_LARGE,
                           f"{len(data)} bytes exceeds max_file_bytes={config.max_file_bytes}")
        text, encoding = decode_bytes(data)
    except Rejected as rejected:
        yield RawRecord(0, reject=rejected)
        return
    reader = _READERS[fmt]
    for record in reader(text, config):
        record.fields.setdefault("_encoding", encoding)
        yield record


def _read_txt(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    yield RawRecord(0, body=text)


def _read_html(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    from transforms.html_extract import extract_html

    try:
        body, meta = extract_html(text)
    except Rejected as rejected:
        yield RawRecord(0, reject=rejected)
        return
    yield RawRecord(0, body=body, html_meta=meta)


def _read_json(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield RawRecord(0, reject=Rejected(RejectReason.MALFORMED_RECORD,
                                           f"invalid JSON: {_short(exc)}"))
        return
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        yield _record_from_object(index, item, config)


def _read_jsonl(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    index = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > config.max_line_bytes:
            yield RawRecord(index, reject=Rejected(
                RejectReason.TOO_LARGE, f"line {line_no} is over {config.max_line_bytes} chars"))
        else:
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as exc:
                yield RawRecord(index, reject=Rejected(
                    RejectReason.MALFORMED_RECORD, f"line {line_no}: invalid JSON: {_short(exc)}"))
            else:
                yield _record_from_object(index, item, config, where=f"line {line_no}: ")
        index += 1


def _read_csv(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    csv.field_size_limit(min(config.max_line_bytes, sys.maxsize))
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
    except (StopIteration, csv.Error) as exc:
        yield RawRecord(0, reject=Rejected(RejectReason.MALFORMED_RECORD,
                                           f"no CSV header: {_short(exc)}"))
        return
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    index = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(index, reject=Rejected(
                RejectReason.MALFORMED_RECORD,
                f"CSV error near line {rows.line_num}: {_short(exc)}; rest of file unread"))
            return
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            yield RawRecord(index, reject=Rejected(
                RejectReason.MALFORMED_RECORD,
                f"row {index} has {len(row)} fields, header has {len(names)}"))
        else:
            yield _record_from_object(index, dict(zip(names, row, strict=False)), config)
        index += 1


def _record_from_object(index: int, item: object, config: WartaConfig,
                        where: str = "") -> RawRecord:
    """Map a record's own field names onto our columns by the configured aliases."""
    if not isinstance(item, dict):
        return RawRecord(index, reject=Rejected(
            RejectReason.MALFORMED_RECORD, f"{where}expected an object, got {type(item).__name__}"))
    lowered = {str(k).strip().lstrip("\ufeff").lower(): v for k, v in item.items()}
    mapped: dict[str, str] = {}
    for column, aliases in config.field_aliases.items():
        for alias in aliases:
            value = _as_text(lowered.get(alias))
            if value is not None:
                mapped[column] = value
                break
    if "body" not in mapped:
        has_body_key = any(a in lowered for a in config.field_aliases["body"])
        if has_body_key:
            return RawRecord(index, reject=Rejected(RejectReason.EMPTY, f"{where}body field is empty"))
        keys = ", ".join(sorted(lowered)[:12]) or "(none)"
        return RawRecord(index, reject=Rejected(
            RejectReason.MALFORMED_RECORD, f"{where}no body field among: {keys}"))
    body = mapped.pop("body")
    return RawRecord(index, fields=mapped, body=body)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        parts = [str(v).strip() for v in value if isinstance(v, (str, int, float))]
        text = ", ".join(p for p in parts if p)
    elif isinstance(value, (str, int, float)):
        text = str(value).strip()
    else:
        return None
    return text or None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


_READERS = {"txt": _read_txt, "json": _read_json, "jsonl": _read_jsonl,
            "csv": _read_csv, "html": _read_html}

__all__ = ["RawRecord", "read_records", "detect_format", "gunzip_bounded", "gzip"]
