"""Saved HTML pages to main text and metadata, via trafilatura (layered fallbacks built in)."""

from __future__ import annotations

from transforms.rejects import Rejected, RejectReason

_META_KEYS = ("title", "author", "date", "sitename", "url", "hostname", "description")


def extract_html(html: str) -> tuple[str, dict[str, str]]:
    """Return (main text with one paragraph per line, metadata fields found in the page)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_tables=False,
            favor_precision=True, deduplicate=False,
        )
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        raise Rejected(RejectReason.MALFORMED_RECORD, f"HTML not parseable: {exc}") from exc
    if not doc:
        raise Rejected(RejectReason.NO_BODY, "no main text found in HTML")
    if not isinstance(doc, dict):
        doc = doc.as_dict()
    text = doc.get("text") or ""
    meta = {k: str(doc[k]).strip() for k in _META_KEYS if doc.get(k)}
    # Blank lines make trafilatura's paragraphs real paragraphs for the cleaner.
    return "\n\n".join(line for line in text.splitlines() if line.strip()), meta
