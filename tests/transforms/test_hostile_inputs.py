"""Broken and hostile content through the readers, decoder and HTML extractor.

Each case must end as records with a body or a reject with a reason, quickly, with every
string storable (no lone surrogates, no NUL in fields).
"""

from __future__ import annotations

import gzip
import json
import time

import pyarrow as pa
import pytest

from transforms.config import ConfigError, WartaConfig, load_config
from transforms.decoding import decode_bytes, normalize_text
from transforms.html_extract import extract_html, limit_attributes, strip_inert_markup
from transforms.readers import MAX_FIELD_CHARS, gunzip_bounded, read_records
from transforms.rejects import MAX_DETAIL_CHARS, Rejected, RejectReason

CONFIG = WartaConfig()
BODY = "Isi berita yang cukup panjang untuk diuji oleh pembaca berkas. " * 5


def records(name, data, config=CONFIG):
    started = time.monotonic()
    out = list(read_records(name, data, config))
    assert time.monotonic() - started < 30, f"{name} took too long"
    return out


def reasons(recs):
    return [r.reject.reason if r.reject else None for r in recs]


def storable(rec) -> None:
    """What the pipeline writes must encode as UTF-8 (Arrow refuses surrogates)."""
    values = [rec.body or "", *rec.fields.values(), *rec.html_meta.values()]
    if rec.reject:
        values.append(rec.reject.detail)
    pa.array(values, pa.string())
    for value in rec.fields.values():
        assert "\x00" not in value


# --- gzip ---------------------------------------------------------------------------

def test_gzip_bomb_stops_at_the_limit_without_inflating_everything():
    bomb = gzip.compress(b"\0" * 50_000_000, 9)
    started = time.monotonic()
    with pytest.raises(Rejected) as info:
        gunzip_bounded(bomb, limit=1_000_000)
    assert info.value.reason is RejectReason.TOO_LARGE
    assert time.monotonic() - started < 2


def test_concatenated_gzip_members_are_all_read_and_padding_ignored():
    data = gzip.compress(b"satu ") + gzip.compress(b"dua") + b"\0" * 16
    assert gunzip_bounded(data, 1000) == b"satu dua"


def test_concatenated_members_count_against_one_limit():
    member = gzip.compress(b"a" * 600)
    with pytest.raises(Rejected, match="more than 1000"):
        gunzip_bounded(member + member, 1000)


@pytest.mark.parametrize("data,reason", [
    (b"", RejectReason.EMPTY),
    (b"not gzip", RejectReason.MALFORMED_RECORD),
    (gzip.compress(b"x" * 1000)[:20], RejectReason.MALFORMED_RECORD),
    (gzip.compress(b"x" * 1000) + gzip.compress(b"y" * 1000)[:15], RejectReason.MALFORMED_RECORD),
])
def test_broken_gzip_is_a_reject(data, reason):
    with pytest.raises(Rejected) as info:
        gunzip_bounded(data, 1_000_000)
    assert info.value.reason is reason


# --- JSON ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "[" * 200_000 + "]" * 200_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
])
def test_json_nested_thousands_deep_is_malformed(text):
    [rec] = records("deep.json", text.encode())
    assert rec.reject.reason is RejectReason.MALFORMED_RECORD


def test_json_flood_of_tiny_values_is_refused_before_parsing():
    text = "[" + ",".join(["{}"] * 2_500_000) + "]"
    started = time.monotonic()
    [rec] = records("flood.json", text.encode())
    assert rec.reject.reason is RejectReason.TOO_LARGE
    assert "JSONL" in rec.reject.detail
    assert time.monotonic() - started < 5


def test_json_value_limit_grows_with_max_file_bytes():
    from transforms.readers import _json_too_big

    text = "[" + ",".join(["0"] * 2_500_000) + "]"
    assert _json_too_big(text, CONFIG).reason is RejectReason.TOO_LARGE
    assert _json_too_big(text, WartaConfig(max_file_bytes=256 * 1024 * 1024)) is None


def test_json_flood_on_one_jsonl_line_rejects_that_line_only():
    flood = "[" + ",".join(["[]"] * 1_100_000) + "]"
    good = json.dumps({"title": "A", "text": BODY})
    recs = records("a.jsonl", f"{flood}\n{good}\n".encode())
    assert reasons(recs) == [RejectReason.TOO_LARGE, None]
    assert recs[0].reject.detail.startswith("line 1:")


def test_lone_surrogates_and_nul_from_json_escapes_are_made_storable():
    data = json.dumps({"title": "Judul \ud800\u0000", "text": BODY + "\udfff\u0000",
                       "url": "https://x.id/\ud83d", "author": ["Ani \udc00"],
                       "\ud800key": "v"}).encode()
    [rec] = records("a.json", data)
    storable(rec)
    assert rec.fields["title"] == "Judul \ufffd"
    assert rec.fields["url"] == "https://x.id/\ufffd"
    assert rec.body.endswith("\ufffd\x00")   # the body's NUL goes in normalize_text
    assert "\x00" not in normalize_text(rec.body)


def test_valid_surrogate_pairs_survive():
    data = b'{"title": "emoji \\ud83d\\ude00", "text": "' + BODY.encode() + b'"}'
    [rec] = records("a.json", data)
    assert rec.fields["title"] == "emoji \U0001f600"


def test_missing_body_key_names_are_storable_and_bounded():
    data = json.dumps({("k" * 10_000) + "\ud800": 1, "x\u0000": 2}).encode()
    [rec] = records("a.json", data)
    assert rec.reject.reason is RejectReason.MALFORMED_RECORD
    storable(rec)
    assert len(rec.reject.detail) <= MAX_DETAIL_CHARS


@pytest.mark.parametrize("field", ["title", "url", "author", "date", "source"])
def test_absurdly_long_metadata_field_rejects_the_record(field):
    data = json.dumps({field: "x" * (MAX_FIELD_CHARS + 1), "text": BODY}).encode()
    [rec] = records("a.json", data)
    assert rec.reject.reason is RejectReason.TOO_LARGE
    assert field in rec.reject.detail


def test_huge_integers_and_odd_scalars_do_not_escape():
    recs = records("a.jsonl", b'{"text": ' + b"9" * 5000 + b'}\n{"text": NaN}\n'
                   b'{"text": 1e999}\n{"text": true}\n{"text": {"nested": 1}}\n')
    # NaN and 1e999 (infinity) are no value, like true or an object: the body is empty
    # (they were stored as the bodies "nan" and "inf").
    assert reasons(recs) == [RejectReason.MALFORMED_RECORD, RejectReason.EMPTY,
                             RejectReason.EMPTY, RejectReason.EMPTY, RejectReason.EMPTY]


def test_jsonl_lines_break_only_at_cr_and_lf():
    # U+2028 and U+0085 may appear raw inside JSON strings: they do not end a line.
    line = json.dumps({"title": "A\u2028B", "text": BODY + "\u0085" + "\u2029"},
                      ensure_ascii=False)
    recs = records("a.jsonl", (line + "\r\n" + line + "\r" + line).encode())
    assert reasons(recs) == [None, None, None]
    assert [r.record_index for r in recs] == [0, 1, 2]


def test_million_empty_jsonl_lines_are_linear():
    started = time.monotonic()
    recs = records("a.jsonl", b"\n" * 1_000_000 + json.dumps({"text": BODY}).encode())
    assert reasons(recs) == [None] and recs[0].record_index == 0
    assert time.monotonic() - started < 5


# --- CSV ----------------------------------------------------------------------------

def test_csv_field_over_the_csv_module_default_limit_is_read():
    big = "kata " * 60_000   # 300 KB, over csv's default 131072
    recs = records("a.csv", f'title,text\nA,"{big}"\nB,"{BODY}"\n'.encode())
    assert reasons(recs) == [None, None]
    assert recs[0].body == big.strip()


def test_csv_field_over_max_line_bytes_is_too_large():
    small = WartaConfig(max_line_bytes=1000)
    recs = records("a.csv", f'title,text\nA,"{"x" * 5000}"\nB,"{BODY}"\n'.encode(), small)
    assert recs[0].reject.reason is RejectReason.TOO_LARGE
    [rec] = records("b.csv", ("x" * 5000 + ",text\n").encode(), small)
    assert rec.reject.reason is RejectReason.TOO_LARGE and "header" in rec.reject.detail


def test_csv_with_old_mac_line_endings_and_quoted_newlines():
    data = f'title,text\r"A","{BODY}\rbaris dua"\r"B","{BODY}"\r'.encode()
    recs = records("a.csv", data)
    assert reasons(recs) == [None, None]
    assert "baris dua" in recs[0].body


def test_csv_with_nul_and_million_blank_rows():
    data = ("title,text\n" + ",\n" * 1_000_000 + f'A\x00,"{BODY}\x00"\n').encode()
    started = time.monotonic()
    [rec] = records("a.csv", data)
    assert rec.reject is None and rec.fields["title"] == "A"
    assert time.monotonic() - started < 10


def test_csv_without_header_or_with_only_a_header():
    assert reasons(records("a.csv", b"\n\n\n")) in ([RejectReason.EMPTY],
                                                     [RejectReason.MALFORMED_RECORD])
    assert records("a.csv", b"title,text\n") == []


# --- text and decoding ----------------------------------------------------------------

def test_giant_single_line_is_one_record_in_linear_time():
    started = time.monotonic()
    [rec] = records("a.txt", b"kata " * 2_000_000)
    assert rec.reject is None and len(rec.body) == 10_000_000
    assert time.monotonic() - started < 5


def test_million_empty_lines_is_empty():
    [rec] = records("a.txt", b"\n" * 1_000_000)
    assert rec.reject.reason is RejectReason.EMPTY


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be", "utf-16", "utf-8-sig"])
def test_text_cut_inside_its_last_character_keeps_its_encoding(encoding):
    text = "Kata \u201ckutipan\u201d dan kaf\u00e9 \U0001f600"
    data = text.encode(encoding)
    for cut in (1, 2, 3):
        decoded, name = decode_bytes(data[:-cut])
        assert text.startswith(decoded) and len(decoded) >= len(text) - 2, (encoding, cut)
        assert name.startswith(encoding[:6]), name


def test_normalize_text_never_returns_unstorable_text():
    for text in ["a\ud800b", "\udfff", "caf\u00c3\u00a9 \ud800 \x00", "\x00\x01\x02 teks",
                 "\ud83d\ude00 pair", "\ufeff\u202e\u200b"]:
        out = normalize_text(text)
        out.encode("utf-8")
        assert "\x00" not in out


def test_decoder_rejects_are_reasons_not_exceptions():
    for data in [b"\xff" * 1000, bytes(range(256)) * 50, b"\x00" * 100, b"\xfe\xff\xd8",
                 b"\xff\xfe\x00\xd8", b"\xef\xbb\xbf\xff\xff"]:
        try:
            text, _ = decode_bytes(data)
        except Rejected as rejected:
            assert rejected.reason in set(RejectReason)
        else:
            text.encode("utf-8")


# --- HTML -----------------------------------------------------------------------------

def _page(paragraphs: int = 3) -> str:
    return "<article>" + "".join(f"<p>{BODY} Paragraf {i}.</p>" for i in range(paragraphs)) \
        + "</article>"


def test_megabytes_of_markup_are_refused_in_seconds():
    started = time.monotonic()
    with pytest.raises(Rejected) as info:
        extract_html("<html><body>" + "<div><span>x</span></div>" * 200_000 + _page())
    assert info.value.reason is RejectReason.TOO_LARGE and "tags" in info.value.detail
    with pytest.raises(Rejected) as info:
        extract_html("<p>" + "kata " * 2_000_000 + "</p>", max_chars=1_000_000)
    assert info.value.reason is RejectReason.TOO_LARGE
    assert time.monotonic() - started < 10


def test_inline_scripts_styles_and_data_uris_are_stripped_before_parsing():
    junk = ("<script>var a = '<p>bukan</p>';</script><style>p{}</style><!-- komentar -->"
            '<svg><path d="M0"/></svg><img src="data:image/png;base64,' + "A" * 1000 + '">')
    page = "<html><head><script type='application/ld+json'>{\"@type\": \"NewsArticle\"}" \
           "</script></head><body>" + junk * 5_000 + _page() + "</body></html>"
    started = time.monotonic()
    body, _ = extract_html(page)
    assert "Paragraf 2." in body and "bukan" not in body
    assert time.monotonic() - started < 10
    stripped = strip_inert_markup(page)
    assert "ld+json" in stripped and "komentar" not in stripped and "base64" not in stripped


def test_unclosed_inert_elements_run_to_the_end_and_stay_linear():
    assert strip_inert_markup("<p>a</p><script>x") == "<p>a</p>"
    assert strip_inert_markup("<p>a</p><!-- x") == "<p>a</p>"
    started = time.monotonic()
    strip_inert_markup("<script" * 1_000_000)
    strip_inert_markup("<!--" + "<script>" * 100_000)
    assert time.monotonic() - started < 5


def test_element_with_a_huge_number_of_attributes_loses_them():
    tag = "<p " + " ".join(f"a{i}=x" for i in range(100_000)) + ">"
    assert limit_attributes(tag + "teks</p>") == ("<p>teks</p>", 0)
    normal = '<div class="isi" data-json=\'' + '{"a": "b c"} ' * 500 + "'>"
    assert limit_attributes(normal) == (normal, 2)
    started = time.monotonic()
    body, _ = extract_html("<html><body>" + tag + "</p>" + _page() + "</body></html>")
    assert "Paragraf 1." in body
    assert time.monotonic() - started < 10


def test_too_many_attributes_in_all_is_too_large():
    tag = "<p " + " ".join(f"a{i}=x" for i in range(250)) + ">isi berita.</p>"
    started = time.monotonic()
    with pytest.raises(Rejected) as info:
        extract_html("<html><body>" + tag * 4000 + _page() + "</body></html>")
    assert info.value.reason is RejectReason.TOO_LARGE and "attributes" in info.value.detail
    assert time.monotonic() - started < 5


def test_deeply_nested_html_is_bounded():
    started = time.monotonic()
    try:
        extract_html("<div>" * 40_000 + _page() + "</div>" * 40_000)
    except Rejected as rejected:
        assert rejected.reason in {RejectReason.TOO_LARGE, RejectReason.NO_BODY,
                                   RejectReason.MALFORMED_RECORD}
    assert time.monotonic() - started < 15


def test_script_in_title_stays_text():
    page = ("<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body>"
            + _page() + "</body></html>")
    [rec] = records("p.html", page.encode())
    assert rec.html_meta["title"] == "<script>alert(1)</script>"
    storable(rec)


# --- files and config -------------------------------------------------------------------

def test_reader_failure_becomes_a_reject_not_an_exception(monkeypatch):
    import transforms.readers as readers

    def broken(text, config):
        yield readers.RawRecord(0, body=BODY)
        raise RuntimeError("bug \ud800")

    monkeypatch.setitem(readers._READERS, "txt", broken)
    recs = records("a.txt", BODY.encode())
    assert reasons(recs) == [None, RejectReason.MALFORMED_RECORD]
    assert recs[1].record_index == 1 and "RuntimeError" in recs[1].reject.detail
    storable(recs[1])


def test_reject_details_are_storable_and_bounded():
    rejected = Rejected(RejectReason.MALFORMED_RECORD, "x\ud800\x00y" + "z" * 10_000)
    assert rejected.detail.startswith("x\ufffd y") and len(rejected.detail) == MAX_DETAIL_CHARS
    assert Rejected("empty").reason is RejectReason.EMPTY


def test_odd_unsupported_names_are_storable():
    [rec] = records("dir/na\udcffme." + "e" * 500, b"x")
    assert rec.reject.reason is RejectReason.UNSUPPORTED_FORMAT
    storable(rec)


def test_config_files_are_parsed_safely(tmp_path):
    for text in ["!!python/object/apply:os.system ['touch pwned']\n",
                 "batch_size: !!python/object/new:builtins.int [5]\n",
                 "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c]\n"
                 "field_aliases: {body: *d}\n"]:
        path = tmp_path / "warta.yaml"
        path.write_text(text)
        started = time.monotonic()
        with pytest.raises(ConfigError):
            load_config(path)
        assert time.monotonic() - started < 2
    assert not (tmp_path / "pwned").exists()


def test_csv_rows_after_an_oversized_field_are_still_read():
    """The csv module's own field limit used to end the file at the big field: the rows
    after it were neither documents nor rejects, and the file was ledgered as read."""
    small = WartaConfig(max_line_bytes=1000)
    data = (f'title,text\nA,"{BODY}"\nB,"{"x" * 5000}"\nC,"{BODY}"\nD,"{BODY}"\n').encode()
    recs = records("a.csv", data, small)
    assert [r.record_index for r in recs] == [0, 1, 2, 3]
    assert reasons(recs) == [None, RejectReason.TOO_LARGE, None, None]
    assert [r.fields["title"] for r in recs if r.reject is None] == ["A", "C", "D"]
