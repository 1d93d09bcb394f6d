"""The fixed vocabulary of reasons a record is rejected, and the error that carries one."""

from __future__ import annotations

import re
from enum import StrEnum

MAX_DETAIL_CHARS = 500
# Lone surrogates (from JSON "\ud800" escapes or undecodable file names) cannot be encoded
# as UTF-8, so Arrow, Parquet and DuckDB refuse them; NUL and other C0 controls are noise.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class RejectReason(StrEnum):
    EMPTY = "empty"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    TOO_SHORT = "too_short"
    TOO_LARGE = "too_large"
    MALFORMED_RECORD = "malformed_record"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NO_BODY = "no_body"
    UNREADABLE = "unreadable"


def safe_detail(text: str) -> str:
    """A detail that any store accepts: no surrogates or control characters, bounded length."""
    text = text[: MAX_DETAIL_CHARS * 2]
    text = _UNSAFE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else " ", text)
    return text[:MAX_DETAIL_CHARS]


class Rejected(Exception):
    """Raised inside a reader or decoder; the pipeline turns it into a reject row.

    The detail often quotes input (a field name, a file name, an error message about the
    bytes), so it is made safe to store here, once, for every producer.
    """

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        detail = safe_detail(str(detail)) if detail else ""
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = RejectReason(reason)
        self.detail = detail
