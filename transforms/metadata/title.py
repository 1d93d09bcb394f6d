"""Title detection: the record's field, html metadata, a headline-like first line, or a footer.

No title beats a wrong one: a dateline, a date line or a body sentence is never taken.
"""

from __future__ import annotations

import re

from transforms.metadata.dateline import parse_dateline

__all__ = ["looks_like_title", "split_title", "footer_title"]

_MAX_TITLE_CHARS = 200
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
    if not text or len(text) > _MAX_TITLE_CHARS or len(text.split()) < 2:
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
    if footer is None and footer_hint and footer_hint.strip():
        footer = " ".join(footer_hint.strip().strip('"“”').split())
    if idx is not None:
        paragraphs = paragraphs[:idx] + paragraphs[idx + 1 :]
    for given, source in ((record_title, "record"), (meta_title, "html_meta")):
        if given and given.strip():
            title = " ".join(given.split())
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
