"""Raw file formats to records: one dict of fields (or one reject) per article.

A reader never raises for bad content: a broken line in a JSONL file becomes a reject for
that record and the reader goes on with the next line. Input comes from the open web, so
every reader bounds what one file can cost:

- a `.gz` is decompressed with a limit on decompressed bytes (`gunzip_bounded`);
- JSON text is measured before parsing: a document of millions of tiny values (which
  would take gigabytes as Python objects) is refused as too_large, and nesting deeper
  than Python's recursion limit is a malformed_record;
- JSONL and CSV are read a line at a time, never as a list of every line;
- a field other than the body longer than `MAX_FIELD_CHARS` makes the record too_large
  (no title, date or URL is that long, and metadata parsers must not see megabytes);
- every string handed on is storable: lone surrogates become U+FFFD, NUL and other C0
  controls are dropped from fields (the body's are dropped by `normalize_text`);
- an unexpected error inside a reader becomes a reject for the record being read,
  never an exception out of `read_records`.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from transforms.config import WartaConfig
from transforms.decoding import decode_bytes, fix_surrogates
from transforms.rejects import Rejected, RejectReason

TEXT_FORMATS = {"txt": "txt", "text": "txt", "json": "json", "jsonl": "jsonl",
                "ndjson": "jsonl", "csv": "csv", "html": "html", "htm": "html"}

MAX_FIELD_CHARS = 16_384          # title, url, author, date, source: one value
MAX_JSON_VALUES = 2_000_000       # commas + colons + brackets in one JSON text (at least)
_GZIP_MAGIC = b"\x1f\x8b"
_EOL = re.compile(r"\r\n|\r|\n")
_FIELD_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    """Decompress while counting: a gzip bomb is refused before it fills memory.

    Concatenated members (`cat a.gz b.gz`) are all read, as gzip does; bytes after the
    last member that do not start another member (zero padding) are ignored.
    """
    if not data:
        raise Rejected(RejectReason.EMPTY, "empty .gz file")
    out = bytearray()
    view = memoryview(data)
    pos = 0
    members = 0
    while pos < len(view) and (members == 0 or view[pos:pos + 2] == _GZIP_MAGIC):
        try:
            pos = _inflate_member(view, pos, out, limit)
        except zlib.error as exc:
            raise Rejected(RejectReason.MALFORMED_RECORD, f"corrupt gzip: {exc}") from exc
        members += 1
    return bytes(out)


def _inflate_member(view: memoryview, pos: int, out: bytearray, limit: int) -> int:
    """Inflate one gzip member starting at `pos` into `out`; return where it ends."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    chunk = 1 << 20
    while True:
        if decompressor.unconsumed_tail:
            piece = decompressor.unconsumed_tail
        elif pos < len(view):
            piece = view[pos:pos + chunk]
            pos += len(piece)
        else:
            break
        out += decompressor.decompress(piece, chunk)   # at most `chunk` bytes per call
        if len(out) > limit:
            raise Rejected(RejectReason.TOO_LARGE, f"decompresses to more than {limit} bytes")
        if decompressor.eof:
            break
    if not decompressor.eof:
        raise Rejected(RejectReason.MALFORMED_RECORD, "truncated gzip")
    return pos - len(decompressor.unused_data)


def read_records(path: str, data: bytes, config: WartaConfig) -> Iterator[RawRecord]:
    """Yield the records of one raw file; file-level failures become one reject record.

    Never raises for any content: each yielded record has a body or a reject.
    """
    fmt, gzipped = detect_format(path)
    if fmt is None:
        name = path.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[-1] if "." in name else "(none)"
        yield RawRecord(0, reject=Rejected(RejectReason.UNSUPPORTED_FORMAT,
                                           f"unsupported file type .{ext[:40]}"))
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
    except Exception as exc:  # noqa: BLE001 - a decoder bug must not stop the batch
        yield RawRecord(0, reject=Rejected(RejectReason.UNDECODABLE,
                                           f"decoder failed: {type(exc).__name__}: {exc}"))
        return
    del data
    next_index = 0
    try:
        for record in _READERS[fmt](text, config):
            next_index = record.record_index + 1
            yield _finish(record, encoding)
    except Exception as exc:  # noqa: BLE001 - a reader bug must not lose the file's records
        yield RawRecord(next_index, reject=Rejected(
            RejectReason.MALFORMED_RECORD,
            f"reader failed: {type(exc).__name__}: {_short(exc)}; rest of file unread"))


def _finish(record: RawRecord, encoding: str) -> RawRecord:
    """Make every string storable; refuse records whose fields are absurdly long."""
    if record.reject is not None:
        record.fields = {"_encoding": encoding}
        return record
    fields: dict[str, str] = {}
    for name, value in record.fields.items():
        value = safe_field(value)
        if len(value) > MAX_FIELD_CHARS:
            return RawRecord(record.record_index, reject=Rejected(
                RejectReason.TOO_LARGE,
                f"field {name} has {len(value)} chars, more than {MAX_FIELD_CHARS}"))
        fields[name] = value
    fields.setdefault("_encoding", encoding)
    record.fields = fields
    if record.body is not None:
        record.body = fix_surrogates(record.body)
    # Page metadata is only a hint: an oversized value is dropped, not the article.
    record.html_meta = {k: v for k, v in ((k, safe_field(v)) for k, v in record.html_meta.items())
                        if len(v) <= MAX_FIELD_CHARS}
    return record


def safe_field(value: str) -> str:
    """A metadata value any store accepts: no surrogates, no NUL or other C0 controls."""
    return _FIELD_CONTROL.sub("", fix_surrogates(value))


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


def _json_too_big(text: str, config: WartaConfig) -> Rejected | None:
    """Refuse JSON whose parse would cost far more memory than its text.

    Each value costs 30-200 bytes as a Python object, so `[{},{},...]` of 64 MB would
    take gigabytes. Counting separators and brackets (in C, a few ms per 64 MB) bounds
    the number of values from above. Real news runs at 60-90 chars per value (about
    1.1 million values in 64 MB); the limit grows with max_file_bytes for who raises it.
    """
    limit = max(MAX_JSON_VALUES, config.max_file_bytes // 32)
    if len(text) <= limit:
        return None
    values = text.count(",") + text.count(":") + text.count("{") + text.count("[")
    if values <= limit:
        return None
    return Rejected(RejectReason.TOO_LARGE,
                    f"JSON holds up to {values} values, more than {limit}; "
                    "split it or use JSONL")


def _read_json(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    too_big = _json_too_big(text, config)
    if too_big is not None:
        yield RawRecord(0, reject=too_big)
        return
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield RawRecord(0, reject=Rejected(RejectReason.MALFORMED_RECORD,
                                           f"invalid JSON: {_short(exc)}"))
        return
    items = value if isinstance(value, list) else [value]
    del value
    for index, item in enumerate(items):
        yield _record_from_object(index, item, config)


def _lines(text: str, keepends: bool = False) -> Iterator[str]:
    """Lines split at \\r\\n, \\r or \\n only, one at a time (no list of every line).

    Unlike str.splitlines, U+2028, U+0085 and friends do not end a line: JSON strings
    may hold them raw.
    """
    pos, end = 0, len(text)
    while pos < end:
        match = _EOL.search(text, pos)
        if match is None:
            yield text[pos:]
            return
        yield text[pos:match.end() if keepends else match.start()]
        pos = match.end()


def _read_jsonl(text: str, config: WartaConfig) -> Iterator[RawRecord]:
    index = 0
    for line_no, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        if len(line) > config.max_line_bytes:
            yield RawRecord(index, reject=Rejected(
                RejectReason.TOO_LARGE, f"line {line_no} is over {config.max_line_bytes} chars"))
        elif (too_big := _json_too_big(line, config)) is not None:
            yield RawRecord(index, reject=Rejected(too_big.reason,
                                                   f"line {line_no}: {too_big.detail}"))
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
    # The whole text is in memory already, so the csv module may read a field of any size:
    # a row with a field over max_line_bytes is refused on its own, and the rows after it
    # are still read (the module's own limit error ended the file there). The limit is
    # process-wide, so it is one constant: set per file, a concurrent reader could lower
    # it in the middle of another file.
    csv.field_size_limit(sys.maxsize)
    limit = config.max_line_bytes
    rows = csv.reader(_lines(text, keepends=True), delimiter=_delimiter(text))
    try:
        header = next(rows)
    except StopIteration:
        yield RawRecord(0, reject=Rejected(RejectReason.MALFORMED_RECORD, "no CSV header"))
        return
    except csv.Error as exc:
        yield RawRecord(0, reject=Rejected(RejectReason.MALFORMED_RECORD,
                                           f"no CSV header: {_short(exc)}"))
        return
    if any(len(cell) > limit for cell in header):
        yield RawRecord(0, reject=Rejected(
            RejectReason.TOO_LARGE,
            f"no CSV header: a header field is over max_line_bytes={limit} chars"))
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
        elif any(len(cell) > limit for cell in row):
            yield RawRecord(index, reject=Rejected(
                RejectReason.TOO_LARGE,
                f"row {index} has a field over max_line_bytes={limit} chars"))
        else:
            yield _record_from_object(index, dict(zip(names, row, strict=False)), config)
        index += 1


_DELIMITERS = (",", ";", "\t", "|")  # comma first: it wins a tie


def _delimiter(text: str) -> str:
    """The delimiter that splits the header line into the most fields: spreadsheets in
    Indonesian (and most European) locales save CSV with ';', and with ',' every line of
    such a file was one malformed row."""
    header = next(_lines(text), "")[:65_536]
    def fields(delimiter: str) -> int:
        try:
            return len(next(csv.reader([header], delimiter=delimiter), []))
        except csv.Error:
            return 0
    return max(_DELIMITERS, key=fields)


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
            value = _as_text(lowered.get(alias), _LIST_JOINERS.get(column, ", "))
            if value is not None:
                mapped[column] = value
                break
    if "body" not in mapped:
        has_body_key = any(a in lowered for a in config.field_aliases["body"])
        if has_body_key:
            return RawRecord(index, reject=Rejected(RejectReason.EMPTY, f"{where}body field is empty"))
        keys = ", ".join(_short_key(k) for k in sorted(lowered)[:12]) or "(none)"
        return RawRecord(index, reject=Rejected(
            RejectReason.MALFORMED_RECORD, f"{where}no body field among: {keys}"))
    body = mapped.pop("body")
    return RawRecord(index, fields=mapped, body=body)


# A body given as a list is a list of paragraphs (a list of authors is a list of names).
_LIST_JOINERS = {"body": "\n\n"}


def _as_text(value: object, joiner: str = ", ") -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        parts = [_scalar_text(v) for v in value if isinstance(v, (str, int, float))]
        text = joiner.join(p for p in parts if p)
    elif isinstance(value, (str, int, float)):
        text = _scalar_text(value)
    else:
        return None
    return text or None


def _scalar_text(value: str | int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return ""  # JSON's NaN / Infinity: no value, not the text "nan"
    try:
        return str(value).strip()
    except ValueError:  # an int of more digits than Python will print
        return ""


def _short_key(key: str) -> str:
    return key if len(key) <= 40 else key[:37] + "..."


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


_READERS = {"txt": _read_txt, "json": _read_json, "jsonl": _read_jsonl,
            "csv": _read_csv, "html": _read_html}


__all__ = ["RawRecord", "read_records", "detect_format", "gunzip_bounded", "gzip",
           "MAX_FIELD_CHARS", "MAX_JSON_VALUES", "safe_field"]
