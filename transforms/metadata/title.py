"""Title detection: the record's field, html metadata, a headline-like first line, or a footer.

No title beats a wrong one: a dateline, a date line or a body sentence is never taken, nor a
value longer than MAX_TITLE_CHARS from any source (a body glued into the title field): the next
source is tried instead. The batch quality gate enforces the same bound (expectations.suites
imports it from here).
"""

from __future__ import annotations

import re

from transforms.metadata.dateline import parse_dateline

__all__ = ["looks_like_title", "split_title", "footer_title", "MAX_TITLE_CHARS"]

MAX_TITLE_CHARS = 1000  # longer is no title, whatever its source (the gate's critical bound)
_MAX_HEADLINE_CHARS = 200  # a first line longer than this is taken for a body sentence
# Blogger-style comment widgets repeat the title: '0 Response to "Judul"', '2 Komentar untuk "..."'.
_FOOTER = re.compile(
    r"^\s*\d+\s+(?:Responses?|Comments?|Komentar|Tanggapan)\s+(?:to|untuk|pada|for)\s+"
    r"[\"“'‘](?P<title>.+?)[\"”'’]\s*$",
    re.I,
)
_DATE_ONLY = re.compile(
    r"^[\W\d_]*(?:(?:Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu)\b[, ]*)?[\d/ .:,-]*"
    r"(?:[A-Za-z]+\s+\d{4})?[\d/ .:,|-]*(?:WIB|WITA|WIT)?\s*$",
    re.I,
)
_BYLINE = re.compile(r"^(?:Oleh|Penulis|Reporter|Editor|Sumber|Foto|Baca juga)\b", re.I)


def looks_like_title(line: str) -> bool:
    """A headline is short, has no sentence-final period, and is not a dateline or a date."""
    text = " ".join(line.split())
    if not text or len(text) > _MAX_HEADLINE_CHARS or len(text.split()) < 2:
        return False
    if parse_dateline(text) is not None or _DATE_ONLY.match(text) or _BYLINE.match(text):
        return False
    if text.endswith((".", ",", ";", ":")) and not text.endswith(("...", "…")):
        return False
    if text[0].islower():
        return False
    return not (text.count('"') % 2 or text.count("“") != text.count("”"))


def footer_title(paragraphs: list[str]) -> tuple[str | None, int | None]:
    """A comment-widget footer near the end that repeats the title; (title, paragraph index)."""
    for i in range(len(paragraphs) - 1, max(-1, len(paragraphs) - 6), -1):
        m = _FOOTER.match(paragraphs[i])
        if m:
            return " ".join(m.group("title").split()), i
    return None, None


def split_title(
    paragraphs: list[str],
    record_title: str | None,
    meta_title: str | None = None,
    footer_hint: str | None = None,
) -> tuple[str | None, str | None, list[str]]:
    """Return (title, source, body paragraphs); the footer line is always dropped from the body.

    `footer_hint` is a footer title the cleaner already captured (a `footer_title` group in a
    boilerplate pattern) when it removed the footer line itself.
    """
    footer, idx = footer_title(paragraphs)
    if footer and len(footer) > MAX_TITLE_CHARS:
        footer = None  # no title; the footer line is still dropped from the body
    if footer is None and footer_hint and footer_hint.strip():
        footer = " ".join(footer_hint.strip().strip('"“”').split())
        if len(footer) > MAX_TITLE_CHARS:
            footer = None
    if idx is not None:
        paragraphs = paragraphs[:idx] + paragraphs[idx + 1 :]
    for given, source in ((record_title, "record"), (meta_title, "html_meta")):
        title = " ".join(given.split()) if given else ""
        if title and len(title) <= MAX_TITLE_CHARS:
            body = paragraphs
            if body and " ".join(body[0].split()) == title:
                body = body[1:]
            return title, source, body
    if footer:
        body = paragraphs
        if body and " ".join(body[0].split()) == footer:
            return footer, "first_line", body[1:]
        return footer, "footer", body
    if len(paragraphs) >= 2 and looks_like_title(paragraphs[0]):
        return " ".join(paragraphs[0].split()), "first_line", paragraphs[1:]
    return None, None, paragraphs
