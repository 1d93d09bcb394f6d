import gzip
import json
import random

import pytest

from transforms.config import ConfigError, WartaConfig, config_from_mapping, load_config
from transforms.readers import detect_format, gunzip_bounded, read_records
from transforms.rejects import Rejected, RejectReason

CONFIG = WartaConfig()
BODY = "Isi berita yang cukup panjang untuk diuji oleh pembaca berkas."


def records(name, data, config=CONFIG):
    return list(read_records(name, data, config))


@pytest.mark.parametrize("name,expected", [
    ("a.txt", ("txt", False)), ("a.JSONL", ("jsonl", False)), ("a.csv.gz", ("csv", True)),
    ("a.htm", ("html", False)), ("a.pdf", (None, False)), ("noext", (None, False)),
])
def test_detect_format(name, expected):
    assert detect_format(name) == expected


def test_indonesian_and_english_field_names_map_to_columns():
    data = json.dumps({"Judul": "Judul A", "isi_berita": BODY, "tautan": "https://x.id/a",
                       "penulis": ["Ani", "Budi"], "tanggal": "18/06/2025"}).encode()
    [rec] = records("a.json", data)
    assert rec.body == BODY
    assert rec.fields["title"] == "Judul A"
    assert rec.fields["url"] == "https://x.id/a"
    assert rec.fields["author"] == "Ani, Budi"
    assert rec.fields["date"] == "18/06/2025"


def test_malformed_jsonl_line_rejects_only_that_record():
    lines = [json.dumps({"title": "A", "text": BODY}), '{"title": "B", "text": ', "[1, 2]",
             "", json.dumps({"title": "C", "content": BODY})]
    recs = records("a.jsonl", "\n".join(lines).encode())
    assert [r.record_index for r in recs] == [0, 1, 2, 3]
    assert [r.reject.reason if r.reject else None for r in recs] == [
        None, RejectReason.MALFORMED_RECORD, RejectReason.MALFORMED_RECORD, None]
    assert "line 2" in recs[1].reject.detail


def test_record_without_body_field_is_malformed_and_empty_body_is_empty():
    recs = records("a.jsonl", b'{"title": "A"}\n{"title": "B", "isi": "  "}\n')
    assert recs[0].reject.reason is RejectReason.MALFORMED_RECORD
    assert "no body field" in recs[0].reject.detail
    assert recs[1].reject.reason is RejectReason.EMPTY


def test_csv_rows_with_bom_header_and_quoted_newlines():
    data = ('\ufeffsumber,judul,isi_berita\nkompas.com,Judul A,"Baris satu.\nBaris dua."\n'
            'detik.com,Judul B,\n').encode()
    recs = records("a.csv", data)
    assert recs[0].fields["source"] == "kompas.com"
    assert recs[0].body == "Baris satu.\nBaris dua."
    assert recs[1].reject.reason is RejectReason.EMPTY


def test_custom_field_aliases_from_config(tmp_path):
    path = tmp_path / "warta.yaml"
    path.write_text("field_aliases:\n  body: [naskah]\n  title: kepala\n")
    config = load_config(path)
    [rec] = records("a.json", json.dumps({"kepala": "K", "naskah": BODY}).encode(), config)
    assert rec.body == BODY and rec.fields["title"] == "K"


def test_config_rejects_unknown_keys_and_bad_values(tmp_path):
    with pytest.raises(ConfigError, match="unknown config key"):
        config_from_mapping({"batchsize": 10})
    with pytest.raises(ConfigError, match="positive integer"):
        config_from_mapping({"batch_size": -1})
    bad = tmp_path / "bad.yaml"
    bad.write_text("!!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError):
        load_config(bad)


def test_gzip_is_bounded_while_decompressing():
    bomb = gzip.compress(b"a" * 5_000_000)
    with pytest.raises(Rejected) as info:
        gunzip_bounded(bomb, limit=1_000_000)
    assert info.value.reason is RejectReason.TOO_LARGE
    truncated = gzip.compress(BODY.encode() * 100)[:40]
    with pytest.raises(Rejected, match="truncated gzip"):
        gunzip_bounded(truncated, limit=1_000_000)


def test_unsupported_format_and_file_level_rejects():
    [rec] = records("laporan.pdf", b"%PDF-1.4")
    assert rec.reject.reason is RejectReason.UNSUPPORTED_FORMAT
    [rec] = records("a.txt", b"")
    assert rec.reject.reason is RejectReason.EMPTY
    small = WartaConfig(max_file_bytes=10)
    [rec] = records("a.txt", BODY.encode(), small)
    assert rec.reject.reason is RejectReason.TOO_LARGE


def test_html_main_text_and_metadata_via_trafilatura():
    html = f"""<html><head><title>Judul Halaman | Contoh</title>
    <meta property="og:title" content="Judul Halaman">
    <meta name="author" content="Rina Wulandari">
    <meta property="article:published_time" content="2025-06-18T09:30:00+07:00">
    </head><body><nav>Beranda | Nasional | Ekonomi</nav>
    <article><h1>Judul Halaman</h1><p>{BODY} Paragraf pertama.</p>
    <p>{BODY} Paragraf kedua yang juga cukup panjang.</p></article>
    <footer>Hak cipta 2025</footer></body></html>"""
    [rec] = records("page.html", html.encode())
    assert rec.reject is None
    assert "Paragraf pertama." in rec.body and "Beranda" not in rec.body
    assert rec.html_meta.get("title") == "Judul Halaman"
    assert rec.html_meta.get("date", "").startswith("2025-06-18")


def test_json_body_given_as_a_list_keeps_its_paragraphs():
    item = {"title": "T", "authors": ["Ani", "Budi"],
            "content": ["JAKARTA - Harga beras naik pekan ini.", "Baca juga: Harga cabai turun",
                        "Pedagang mengeluh sepi pembeli."]}
    [rec] = records("a.json", json.dumps(item).encode())
    assert rec.body.split("\n\n") == item["content"]
    assert rec.fields["author"] == "Ani, Budi"


@pytest.mark.parametrize("content,message", [
    (None, "cannot read"), ("bad: [unclosed(\n", "bad regex"), ("no colon here\n", "expected"),
])
def test_a_bad_boilerplate_file_is_a_config_error(tmp_path, content, message):
    """Found only in the batch tasks, it made every record an 'internal error' reject, and
    the files were ledgered as read: fixing the config then re-read nothing."""
    if content is not None:
        (tmp_path / "patterns.txt").write_text(content)
    (tmp_path / "warta.yaml").write_text("boilerplate_file: patterns.txt\n")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "warta.yaml")


def test_a_few_nul_bytes_reject_their_line_not_the_file():
    """Two NULs in one JSONL line made the whole file a 'binary' reject."""
    good = [{"title": t, "content": f"{t}. {BODY}"} for t in ("Satu", "Tiga")]
    data = (json.dumps(good[0]) + "\n\x00\x00 baris rusak\n" + json.dumps(good[1]) + "\n").encode()
    recs = records("a.jsonl", data)
    assert [r.reject.reason if r.reject else None for r in recs] == [
        None, RejectReason.MALFORMED_RECORD, None]
    csv_data = f'title,content\nSatu,"{BODY}"\nDua\x00,"{BODY} dua"\n'.encode()
    assert [r.reject for r in records("b.csv", csv_data)] == [None, None]


def test_binary_bytes_are_still_binary():
    noise = random.Random(3).randbytes(20_000)
    [rec] = records("a.txt", noise)
    assert rec.reject.reason is RejectReason.BINARY


def test_json_nan_and_infinity_are_no_value():
    [rec] = records("a.json", b'{"title": NaN, "author": Infinity, "content": "' +
                    BODY.encode() + b'"}')
    assert "title" not in rec.fields and "author" not in rec.fields


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_with_another_delimiter(delimiter):
    """A ';' CSV (Indonesian-locale spreadsheets) was one malformed row per line."""
    rows = [["judul", "isi", "penulis"], ["Satu", f"{BODY}, kata dia", "Ani"],
            ["Dua", f"{BODY} lagi", "Budi"]]
    data = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row)
                     for row in rows).encode()
    recs = records("a.csv", data)
    assert [r.reject for r in recs] == [None, None]
    assert [(r.fields["title"], r.fields["author"]) for r in recs] == [("Satu", "Ani"),
                                                                       ("Dua", "Budi")]
    assert recs[0].body == f"{BODY}, kata dia"
