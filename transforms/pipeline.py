"""One batch of raw files in, staged Arrow/Parquet tables out.

This is the work a batch task does on any worker: read, decode, clean, extract, hash.
It never talks to the warehouse: exact dedupe against history happens at load time.
Every record read ends up as exactly one staged document or one staged reject.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from transforms.cleaning import clean_body, load_boilerplate_rules
from transforms.config import WartaConfig
from transforms.decoding import normalize_text
from transforms.failpoints import failpoint
from transforms.ids import content_hash, doc_id, file_hash
from transforms.metadata import RecordFields, extract_metadata
from transforms.metadata.dates import latest_plausible
from transforms.near_dupes import strip_hashed_boilerplate
from transforms.readers import RawRecord, detect_format, read_records
from transforms.rejects import Rejected, RejectReason
from transforms.schemas import (
    STAGED_CITED_SOURCES,
    STAGED_DOCUMENTS,
    STAGED_ENTITIES,
    STAGED_FILES,
    STAGED_PARAGRAPHS,
    STAGED_QUOTES,
    STAGED_REJECTS,
)
from transforms.sources import SourceFile

STAGED_TABLES: dict[str, pa.Schema] = {
    "documents": STAGED_DOCUMENTS,
    "paragraphs": STAGED_PARAGRAPHS,
    "rejects": STAGED_REJECTS,
    "files": STAGED_FILES,
    "entities": STAGED_ENTITIES,
    "quotes": STAGED_QUOTES,
    "cited_sources": STAGED_CITED_SOURCES,
}


@dataclass
class StagedBatch:
    """What a batch task hands back: small and picklable, the rows stay on disk."""

    batch_id: str
    directory: str
    n_files: int
    n_bytes: int
    n_records: int
    n_documents: int
    n_rejects: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    boilerplate_by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def path(self, table: str) -> str:
        return os.path.join(self.directory, f"{table}.parquet")


class _TableWriter:
    """Streams rows to one Parquet file in row groups; renamed into place only when complete.

    `path` may be an fsspec URL (s3://...): the file is then written under a temporary key
    and copied to its final key."""

    def __init__(self, path: str, schema: pa.Schema, flush_rows: int) -> None:
        self.path = path
        self.tmp_path = path + ".tmp"
        self.schema = schema
        self.flush_rows = flush_rows
        self.rows: list[dict[str, Any]] = []
        self.fs = url_to_fs(path)[0] if "://" in path else None
        self.writer = pq.ParquetWriter(self.tmp_path, schema, compression="zstd",
                                       filesystem=self.fs)
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.flush_rows:
            self.flush()

    def write_table(self, table: pa.Table) -> None:
        self.writer.write_table(table)
        self.count += table.num_rows

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        if self.fs is None:
            os.replace(self.tmp_path, self.path)
        else:
            self.fs.copy(self.tmp_path, self.path)
            self.fs.rm(self.tmp_path)

    def abort(self) -> None:
        self.writer.close()
        if self.fs is None:
            Path(self.tmp_path).unlink(missing_ok=True)
        elif self.fs.exists(self.tmp_path):
            self.fs.rm(self.tmp_path)


@dataclass
class BatchContext:
    config: WartaConfig
    reference_time: datetime
    read_bytes: Any = None  # callable(uri) -> bytes; injectable for tests and object stores
    learned_boilerplate: dict[str, frozenset[str]] = field(default_factory=dict)  # by outlet


def process_batch(batch_id: str, files: list[SourceFile], directory: str,
                  context: BatchContext) -> StagedBatch:
    """Turn raw files into staged tables under `directory` (written atomically per table)."""
    started = datetime.now(UTC)
    if "://" not in directory:  # object stores have no folders
        os.makedirs(directory, exist_ok=True)
    flush_rows = max(50, context.config.batch_size)
    writers = {name: _TableWriter(os.path.join(directory, f"{name}.parquet"), schema, flush_rows)
               for name, schema in STAGED_TABLES.items()}
    state = _BatchState(context=context, writers=writers)
    try:
        for index, source_file in enumerate(files):
            state.process_file(source_file)
            if index == len(files) // 2:
                failpoint("mid_batch")
        state.flush_documents()
        for writer in writers.values():
            writer.close()
        _write_signatures(directory, context.config)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    return StagedBatch(
        batch_id=batch_id, directory=directory, n_files=len(files),
        n_bytes=sum(f.size for f in files),
        n_records=state.seq, n_documents=writers["documents"].count,
        n_rejects=writers["rejects"].count, rejects_by_reason=dict(state.reasons),
        boilerplate_by_rule=dict(state.boilerplate),
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )


def _write_signatures(directory: str, config: WartaConfig) -> None:
    """MinHash signatures of the staged documents, computed here on the worker, in chunks."""
    from transforms.near_dupes import signature_table

    cfg = config.near_dup_config()
    source_path = os.path.join(directory, "documents.parquet")
    fs = url_to_fs(source_path)[0] if "://" in source_path else None
    writer: _TableWriter | None = None
    with pq.ParquetFile(source_path, filesystem=fs) as source:
        for chunk in source.iter_batches(batch_size=1024, columns=["doc_id", "body"]):
            table = signature_table(chunk.column("doc_id").to_pylist(), chunk.column("body"),
                                    cfg)
            if writer is None:
                writer = _TableWriter(os.path.join(directory, "signatures.parquet"),
                                      table.schema, flush_rows=1)
            writer.write_table(table)
    if writer is not None:
        writer.close()


ENTITY_GROUP = 64  # documents per entity-extraction call (~0.37 ms per body at 64, 0.66 at 1)


@dataclass
class _ReadyDocument:
    """A document row and its paragraph rows, complete but for its entities."""

    row: dict[str, Any]
    paragraphs: list[dict[str, Any]]


def _entity_rows(rows: list[dict[str, Any]]) -> list[dict[str, list[dict[str, Any]]]]:
    """People, organisations, places, quotations and cited sources of each document row."""
    from transforms.entities import extract_cited_sources, extract_entities_batch, extract_quotes

    bodies = [row["body"] for row in rows]
    found = []
    for row, body, entities in zip(rows, bodies, extract_entities_batch(bodies), strict=True):
        the_id = row["doc_id"]
        found.append({
            "entities": [{"doc_id": the_id, **e} for e in entities],
            "quotes": [{"doc_id": the_id, **q} for q in extract_quotes(body, entities)],
            "cited_sources": [{"doc_id": the_id, **c} for c in extract_cited_sources(body)],
        })
    return found


@dataclass
class _BatchState:
    context: BatchContext
    writers: dict[str, _TableWriter]
    seq: int = 0
    reasons: Counter = field(default_factory=Counter)
    boilerplate: Counter = field(default_factory=Counter)
    ready: list[_ReadyDocument] = field(default_factory=list)  # awaiting entity extraction

    def process_file(self, source_file: SourceFile) -> None:
        config = self.context.config
        fmt, gzipped = detect_format(source_file.uri)
        try:
            data, version = self._read(source_file, gzipped)
        except Rejected as rejected:
            self._reject(source_file.uri, 0, "", rejected)
            if rejected.reason is not RejectReason.UNREADABLE:
                # Unread files stay out of the ledger so that the next run tries again.
                self._file_row(source_file, "", fmt, 1)
            return
        if version is not None and version != (source_file.size, source_file.mtime):
            source_file = replace(source_file, size=version[0], mtime=version[1])
        digest = file_hash(data)
        reference = _reference_time(source_file.mtime, self.context.reference_time)
        n_records = 0
        for record in read_records(source_file.uri, data, config):
            n_records += 1
            if record.reject is not None:
                self._reject(source_file.uri, record.record_index, digest, record.reject)
                continue
            try:
                self._document(source_file, digest, fmt or "txt", record, reference)
            except Rejected as rejected:
                self._reject(source_file.uri, record.record_index, digest, rejected)
            except Exception as exc:  # a bug on one record must not lose the batch
                self._reject(source_file.uri, record.record_index, digest, Rejected(
                    RejectReason.MALFORMED_RECORD,
                    f"internal error: {type(exc).__name__}: {exc}"))
            if len(self.ready) >= ENTITY_GROUP:  # outside the record's try: a failed write
                self.flush_documents()            # fails the batch, not one record
        if n_records == 0:  # e.g. a CSV with only a header, a JSON empty list
            self._reject(source_file.uri, 0, digest,
                         Rejected(RejectReason.EMPTY, "file holds no records"))
            n_records = 1
        self._file_row(source_file, digest, fmt, n_records)

    def _read(self, source_file: SourceFile, gzipped: bool
              ) -> tuple[bytes, tuple[int, float | None] | None]:
        """The file's bytes and the (size, mtime) they were read under, when known."""
        limit = self.context.config.max_file_bytes
        if not gzipped and source_file.size > limit:
            raise Rejected(RejectReason.TOO_LARGE,
                           f"{source_file.size} bytes exceeds max_file_bytes={limit}")
        reader = self.context.read_bytes
        try:
            if reader is not None:
                return reader(source_file.uri), None
            from transforms.sources import read_file_version
            return read_file_version(source_file.uri, limit=limit)
        except OSError as exc:
            raise Rejected(RejectReason.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc

    def _document(self, source_file: SourceFile, digest: str, fmt: str, record: RawRecord,
                  reference: datetime) -> None:
        config = self.context.config
        raw_body = record.body or ""
        if len(raw_body) > config.max_record_bytes:
            raise Rejected(RejectReason.TOO_LARGE,
                           f"record text of {len(raw_body)} chars exceeds max_record_bytes")
        text = normalize_text(raw_body)
        if not text.strip():
            raise Rejected(RejectReason.EMPTY, "body is empty")
        cleaned = clean_body(text, load_boilerplate_rules(config.boilerplate_file))
        self.boilerplate.update(cleaned.removed_by_rule)
        fields = record.fields
        meta_hints = dict(record.html_meta)
        meta_hints.update(cleaned.captured)
        record_fields = RecordFields(
            title=_clean_field(fields.get("title")), url=fields.get("url"),
            author=_clean_field(fields.get("author")), date=fields.get("date"),
            source=fields.get("source"), fmt=fmt, meta=meta_hints,
        )
        if not cleaned.paragraphs:
            raise Rejected(RejectReason.NO_BODY,
                           f"nothing left after removing {cleaned.n_boilerplate_lines} "
                           "boilerplate line(s)")
        # Dates are bounded by the run's time (what the quality gate checks), not the
        # file's: a record dated after its file was written is still no future date.
        metadata = extract_metadata(cleaned.paragraphs, record_fields, reference,
                                    latest_plausible(self.context.reference_time))
        # The exact-duplicate key is taken before the corpus-learned boilerplate goes: that
        # list grows from run to run, and a story read again (its file appended to, saved
        # again) must hash as it did when it was first stored, learned footer and all.
        identity = content_hash("\n\n".join(metadata.paragraphs))
        learned = self.context.learned_boilerplate.get(metadata.fields.get("outlet") or "")
        metadata.paragraphs, hashes, n_learned = strip_hashed_boilerplate(
            metadata.paragraphs, learned or frozenset())
        if n_learned:
            self.boilerplate["learned_from_corpus"] += n_learned
        body = "\n\n".join(metadata.paragraphs)
        if not body.strip():
            raise Rejected(RejectReason.NO_BODY, "nothing left after removing title and bylines")
        if len(body) < config.min_body_chars:
            raise Rejected(RejectReason.TOO_SHORT,
                           f"body has {len(body)} chars, min_body_chars={config.min_body_chars}")
        the_id = doc_id(source_file.relpath, digest, record.record_index)
        row = {
            "doc_id": the_id, "source_uri": source_file.uri,
            "record_index": record.record_index, "file_hash": digest, "format": fmt,
            "url": record_fields.url or meta_hints.get("url"), "title": metadata.title,
            "body": body, "content_hash": identity,
            "n_paragraphs": len(metadata.paragraphs),
            "n_repeated_paragraphs": cleaned.n_repeated_paragraphs,
            "n_boilerplate_lines": cleaned.n_boilerplate_lines + n_learned,
            "n_chars": len(body),
            "encoding": fields.get("_encoding"),
        }
        row.update(metadata.fields)
        row["title_source"] = metadata.title_source
        paragraphs = [{"doc_id": the_id, "position": position, "text": text_,
                       "paragraph_hash": hash_}
                      for position, (text_, hash_)
                      in enumerate(zip(metadata.paragraphs, hashes, strict=True))]
        # The number is taken last (nothing after it can fail) and now, so that records keep
        # their order and numbers whatever is extracted from them later; a record whose
        # extraction fails is rejected under it.
        row["seq"] = self._next_seq()
        self.ready.append(_ReadyDocument(row, paragraphs))

    def flush_documents(self) -> None:
        """Extract entities of the documents held back, then write each one whole.

        Entities are extracted for a group of documents at once (tokenising and decoding
        many bodies together costs about half as much per body as one at a time). If the
        group fails, each document is tried alone and only the ones that fail are rejected;
        a document is written whole, with its entity rows, or not at all.
        """
        ready, self.ready = self.ready, []
        if not ready:
            return
        if not self.context.config.extract_entities:
            extras: list[dict[str, list[dict[str, Any]]] | Exception] = [{} for _ in ready]
        else:
            try:
                extras = _entity_rows([d.row for d in ready])
            except Exception:  # find the culprit: every other document still gets in
                extras = []
                for document in ready:
                    try:
                        extras.extend(_entity_rows([document.row]))
                    except Exception as exc:
                        extras.append(exc)
        for document, found in zip(ready, extras, strict=True):
            row = document.row
            if isinstance(found, Exception):
                self._reject(row["source_uri"], row["record_index"], row["file_hash"], Rejected(
                    RejectReason.MALFORMED_RECORD,
                    f"internal error: {type(found).__name__}: {found}"), seq=row["seq"])
                continue
            self.writers["documents"].add(row)
            for paragraph in document.paragraphs:
                self.writers["paragraphs"].add(paragraph)
            for table, rows in found.items():
                for extra in rows:
                    self.writers[table].add(extra)

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _reject(self, uri: str, record_index: int, digest: str, rejected: Rejected,
                seq: int | None = None) -> None:
        self.reasons[str(rejected.reason)] += 1
        self.writers["rejects"].add({
            "seq": self._next_seq() if seq is None else seq, "source_uri": uri, "record_index": record_index,
            "file_hash": digest or None, "reason": str(rejected.reason),
            "detail": rejected.detail[:500] if rejected.detail else None,
        })

    def _file_row(self, source_file: SourceFile, digest: str, fmt: str | None,
                  n_records: int) -> None:
        self.writers["files"].add({
            "uri": source_file.uri, "relpath": source_file.relpath, "content_hash": digest,
            "size": source_file.size, "mtime": source_file.mtime, "format": fmt,
            "n_records": n_records,
        })


def _reference_time(mtime: float | None, fallback: datetime) -> datetime:
    """The file's time anchors year-less dates; an absurd mtime (none, out of range, or after
    the run's time: a clock ahead) falls back to the run's."""
    if not mtime:
        return fallback
    try:
        found = datetime.fromtimestamp(mtime, UTC)
    except (OverflowError, OSError, ValueError):
        return fallback
    ahead = fallback.tzinfo is not None and found > fallback
    return fallback if ahead else found


def _clean_field(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(normalize_text(value).split())
    return text or None
