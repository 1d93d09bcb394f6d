"""Title detection: the record's field, else a first line that reads like a headline."""

from __future__ import annotations

import re

_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{1,40}(,\s*[\w.-]+)?\s*[-–—(]")
_MAX_TITLE_CHARS = 200


def looks_like_title(line: str) -> bool:
    """A headline is short, has no sentence-final period and is not a dateline."""
    text = line.strip()
    if not text or len(text) > _MAX_TITLE_CHARS or len(text.split()) < 2:
        return False
    if _DATELINE.match(text):
        return False
    return not text.endswith((".", ",", ";", ":"))


def split_title(
    paragraphs: list[str], record_title: str | None
) -> tuple[str | None, str | None, list[str]]:
    """Return (title, source, body paragraphs); no title beats a wrong one."""
    if record_title and record_title.strip():
        title = " ".join(record_title.split())
        body = paragraphs[1:] if paragraphs and paragraphs[0].strip() == title else paragraphs
        return title, "record", body
    if len(paragraphs) >= 2 and looks_like_title(paragraphs[0]):
        return paragraphs[0].strip(), "first_line", paragraphs[1:]
    return None, None, paragraphs
