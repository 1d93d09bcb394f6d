"""Stable identifiers: the same input gives the same id on every machine."""

from __future__ import annotations

import xxhash


def file_hash(data: bytes) -> str:
    """Content hash of a raw file's bytes (the ledger's notion of a file version)."""
    return xxhash.xxh3_128_hexdigest(data)


def content_hash(body: str) -> str:
    """Hash of a cleaned body: equal bodies are exact duplicates."""
    return xxhash.xxh3_128_hexdigest(body.encode("utf-8"))


def doc_id(relpath: str, file_digest: str, record_index: int) -> str:
    """A record's id from where it sits in the source and which file version holds it."""
    key = f"{relpath}\x00{file_digest}\x00{record_index}".encode()
    return xxhash.xxh3_128_hexdigest(key)[:24]
