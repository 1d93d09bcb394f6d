"""Hypothesis settings and strategies shared by tests/transforms/test_fuzz_*.py.

CI runs a small, bounded number of examples per test (about 2,300 in all, well under a
minute on two cores). A long run sets WARTA_FUZZ_EXAMPLES: the cheap tests run that many
examples each, the expensive ones (a whole batch, a DuckDB load) that many divided by
their cost, never fewer than in CI:

    WARTA_FUZZ_EXAMPLES=5000 uv run pytest tests/transforms/test_fuzz_*.py -q \
        --hypothesis-show-statistics
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_LONG_RUN = int(os.environ.get("WARTA_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(ci_examples: int, cost: int = 1) -> settings:
    """`ci_examples` by default; WARTA_FUZZ_EXAMPLES // cost (at least that) for a long run."""
    return settings(
        max_examples=max(ci_examples, _LONG_RUN // cost) if _LONG_RUN else ci_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much, HealthCheck.large_base_example],
        print_blob=True,
    )


# --- text -------------------------------------------------------------------------------

_WORDS = ["Jakarta", "harga", "beras", "naik", "pemerintah", "kata", "menteri", "Senin",
          "(16/6/2025)", "KOMPAS.com", "-", "\u2014", "\u201cKami", "siap,\u201d", "kaf\u00e9",
          "Baca Juga:", "Advertisement", "A A A", "Penulis:", "Editor:", "<script>",
          "alert(1)</script>", "'); DROP TABLE documents; --", "$(rm -rf /)", "\u00c3\u00a9",
          "\u00e2\u20ac\u0153", "\ufffd", "\u202e", "\u200b", "\ufeff", "\U0001f600", "&amp;",
          "&lt;p&gt;", "\t", "\r\n", "\n", "\n\n", "  ", "\x00", "\x1b[31m", "\u2028", "\u0085",
          "1.", "ha", "Reporter: Ani", "JAKARTA -", "Liputan6.com,", "Rp 500", "12,5%"]

# Any code point, surrogates and controls included.
any_text = st.text(st.characters(exclude_categories=()), max_size=300)
# Word soup that looks like news (and its junk) more often than random code points do.
news_text = st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=12)),
                     max_size=400).map(" ".join)
texts = st.one_of(news_text, any_text, news_text.map(lambda t: t.replace(" ", "\n")))

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252",
             "latin-1", "iso-8859-15", "shift_jis", "gb18030", "koi8-r", "cp437", "utf-7"]


def encode(text: str, encoding: str) -> bytes:
    return codecs.encode(text, encoding, errors="replace")


# --- values and records -------------------------------------------------------------

_KEYS = ["title", "judul", "content", "text", "body", "isi_berita", "url", "tautan",
         "author", "penulis", "date", "tanggal", "source", "sumber", "Title", " TEXT ",
         "\ufeffjudul", "x", ""]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
any_record = st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.text(max_size=10)),
                             st.one_of(texts, values), max_size=7)
# Prose long enough to pass the cleaner, so the document path (metadata, ids) is fuzzed too.
_PROSE = [w for w in _WORDS if w.isprintable() and w.strip()]
news_body = st.lists(st.one_of(*[st.sampled_from(_PROSE)] * 9, st.sampled_from(_WORDS),
                               st.text(max_size=12)),
                     min_size=30, max_size=400).map(" ".join)


@st.composite
def article_record(draw) -> dict:
    record = draw(st.dictionaries(st.sampled_from(_KEYS), st.one_of(texts, values), max_size=4))
    record[draw(st.sampled_from(["content", "text", "isi_berita", "body"]))] = draw(news_body)
    record[draw(st.sampled_from(["title", "judul", "headline"]))] = draw(texts)
    return record


records = st.one_of(article_record(), any_record)


def to_json(items: list, one: bool) -> str:
    value = items[0] if one and items else items
    return json.dumps(value, ensure_ascii=False, allow_nan=True)


def to_jsonl(items: list) -> str:
    return "\n".join(json.dumps(i, ensure_ascii=False) for i in items)


def to_csv(items: list[dict]) -> str:
    keys = sorted({str(k) for i in items if isinstance(i, dict) for k in i})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(keys)
    for item in items:
        row = item if isinstance(item, dict) else {}
        writer.writerow([str(row.get(k, "")) for k in keys])
    return out.getvalue()


def to_html(item: dict) -> str:
    title = str(item.get("title", ""))
    paragraphs = "".join(f"<p>{v}</p>" for v in item.values() if isinstance(v, str))
    return (f"<html><head><title>{title}</title><meta name='author' content='{title}'>"
            f"</head><body><nav>menu</nav><article>{paragraphs}</article></body></html>")


@st.composite
def raw_files(draw) -> tuple[str, bytes]:
    """(file name, bytes): a document of some format, maybe encoded oddly, maybe broken."""
    fmt = draw(st.sampled_from(["txt", "json", "jsonl", "ndjson", "csv", "html", "htm",
                                "text", "pdf", "bin"]))
    items = draw(st.lists(records, max_size=4))
    if fmt in ("txt", "text", "pdf", "bin"):
        text = draw(st.one_of(texts, news_body))
    elif fmt == "json":
        text = to_json(items, draw(st.booleans()))
    elif fmt in ("jsonl", "ndjson"):
        text = to_jsonl(items)
    elif fmt == "csv":
        text = to_csv(items)
    else:
        text = to_html(items[0] if items else {})
    data = encode(text, draw(st.sampled_from(ENCODINGS)))
    data = draw(corrupted(data))
    name = f"f.{fmt}"
    if draw(st.integers(0, 4)) == 0:
        data = gzip.compress(data)
        name += ".gz"
        if draw(st.booleans()):
            data = draw(corrupted(data))
    return name, data


@st.composite
def corrupted(draw, data: bytes) -> bytes:
    """Leave alone, truncate, flip bytes, insert noise, or repeat a slice."""
    how = draw(st.sampled_from(["none", "none", "truncate", "flip", "insert", "repeat"]))
    if not data or how == "none":
        return data
    at = draw(st.integers(0, len(data)))
    if how == "truncate":
        return data[:at]
    if how == "flip":
        buf = bytearray(data)
        for pos in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=8)):
            buf[pos] = draw(st.integers(0, 255))
        return bytes(buf)
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    end = draw(st.integers(at, len(data)))
    return data[:end] + data[at:end] * draw(st.integers(1, 5)) + data[end:]


random_files = st.tuples(
    st.sampled_from(["a.txt", "a.json", "a.jsonl", "a.csv", "a.html", "a.txt.gz", "a.json.gz",
                     "a.csv.gz", "a"]),
    st.binary(max_size=2000))
any_file = st.one_of(raw_files(), random_files)
