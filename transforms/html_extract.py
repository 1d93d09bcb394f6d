"""Saved HTML pages to main text and metadata, via trafilatura (layered fallbacks built in).

trafilatura's cost grows with the number of elements (about 8 s per 100,000 tags on one
core, and more with its fallbacks), so a page is measured first:

- a big page (over `STRIP_ABOVE_CHARS`, or over `FAST_ABOVE_TAGS` tags) loses its inert
  markup before parsing: scripts (JSON-LD metadata is kept), styles, comments, SVG,
  templates, and inline base64 `data:` payloads; none of it is article text;
- what is left must be under `MAX_HTML_CHARS` characters and `MAX_HTML_TAGS` tags, else
  the page is rejected as too_large;
- an element with more than `MAX_ATTRIBUTES` attributes loses them (libxml2 is
  quadratic in the attributes of one element), and a page may hold at most
  `MAX_HTML_ATTRIBUTES` attributes in all;
- above `FAST_ABOVE_TAGS` tags trafilatura runs without its fallback extractors.
Together these bound one page to a few seconds.
"""

from __future__ import annotations

import re

from transforms.rejects import Rejected, RejectReason

_META_KEYS = ("title", "author", "date", "sitename", "url", "hostname", "description")

MAX_HTML_CHARS = 8 * 1024 * 1024
MAX_HTML_TAGS = 50_000
FAST_ABOVE_TAGS = 15_000
STRIP_ABOVE_CHARS = 512 * 1024

# `[^<>]*` (not `[^>]*`): an opener without its `>` stops at the next `<`, so a page of
# unclosed `<script` cannot make the scan quadratic.
_INERT_OPEN = re.compile(r"<!--|<(script|style|svg|template)\b([^<>]*)>", re.IGNORECASE)
_INERT_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE)
                for name in ("script", "style", "svg", "template")}
_KEEP_SCRIPT = re.compile(r"ld\+json|settings\+json", re.IGNORECASE)
_DATA_URI = re.compile(r"data:[\w/+.-]{0,64};base64,[A-Za-z0-9+/=\s]{256,}")
# libxml2 checks each attribute against the others of its element (quadratic: minutes for
# one tag of 300,000 attributes), and trafilatura's cost grows with attributes too.
_TAG = re.compile(r"<([a-zA-Z][\w:.-]*)(\s[^<>]*)?>")
_ATTRIBUTE = re.compile(r"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]*))?""")
MAX_ATTRIBUTES = 256            # per element; an element with more keeps none
MAX_HTML_ATTRIBUTES = 200_000   # per page


def strip_inert_markup(html: str) -> str:
    """Drop markup that never holds article text; linear in the page size.

    An element that is never closed runs to the end of the page, as in a browser.
    """
    parts: list[str] = []
    pos = 0
    while True:
        match = _INERT_OPEN.search(html, pos)
        if match is None:
            parts.append(html[pos:])
            break
        parts.append(html[pos:match.start()])
        name = (match.group(1) or "").lower()
        if not name:  # a comment
            end = html.find("-->", match.end())
            pos = len(html) if end < 0 else end + 3
            continue
        close = _INERT_CLOSE[name].search(html, match.end())
        end = len(html) if close is None else close.end()
        if name == "script" and _KEEP_SCRIPT.search(match.group(2) or ""):
            parts.append(html[match.start():end])
        pos = end
    return _DATA_URI.sub("data:,", "".join(parts))


def limit_attributes(html: str) -> tuple[str, int]:
    """(html where an element with over MAX_ATTRIBUTES attributes keeps none, attributes kept)."""
    kept = 0

    def trim(match: re.Match[str]) -> str:
        nonlocal kept
        attrs = match.group(2)
        if not attrs:
            return match.group(0)
        n = len(_ATTRIBUTE.findall(attrs)) if len(attrs) > 24 else len(attrs.split())
        if n > MAX_ATTRIBUTES:
            return f"<{match.group(1)}>"
        kept += n
        return match.group(0)

    return _TAG.sub(trim, html), kept


def extract_html(html: str, *, max_chars: int = MAX_HTML_CHARS,
                 max_tags: int = MAX_HTML_TAGS) -> tuple[str, dict[str, str]]:
    """Return (main text with one paragraph per line, metadata fields found in the page)."""
    import trafilatura

    tags = html.count("<")
    if len(html) > STRIP_ABOVE_CHARS or tags > FAST_ABOVE_TAGS:
        html = strip_inert_markup(html)
        tags = html.count("<")
    if len(html) > max_chars:
        raise Rejected(RejectReason.TOO_LARGE,
                       f"HTML of {len(html)} chars without scripts and styles; "
                       f"the limit is {max_chars}")
    if tags > max_tags:
        raise Rejected(RejectReason.TOO_LARGE,
                       f"HTML with about {tags} tags; the limit is {max_tags}")
    html, attributes = limit_attributes(html)
    if attributes > MAX_HTML_ATTRIBUTES:
        raise Rejected(RejectReason.TOO_LARGE, f"HTML with {attributes} attributes; "
                       f"the limit is {MAX_HTML_ATTRIBUTES}")
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=False,
            favor_precision=True, deduplicate=False, fast=tags > FAST_ABOVE_TAGS,
        )
    except RecursionError as exc:
        raise Rejected(RejectReason.MALFORMED_RECORD, "HTML nested too deeply") from exc
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        raise Rejected(RejectReason.MALFORMED_RECORD,
                       f"HTML not parseable: {type(exc).__name__}: {exc}") from exc
    if not doc:
        raise Rejected(RejectReason.NO_BODY, "no main text found in HTML")
    if not isinstance(doc, dict):
        doc = doc.as_dict()
    text = doc.get("text") or ""
    meta = {k: str(doc[k]).strip() for k in _META_KEYS if doc.get(k)}
    # Blank lines make trafilatura's paragraphs real paragraphs for the cleaner.
    return "\n\n".join(line for line in text.splitlines() if line.strip()), meta
