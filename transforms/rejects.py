"""The fixed vocabulary of reasons a record is rejected, and the error that carries one."""

from __future__ import annotations

from enum import StrEnum


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


class Rejected(Exception):
    """Raised inside a reader or decoder; the pipeline turns it into a reject row."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
