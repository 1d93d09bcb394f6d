"""Write a folder of broken and hostile raw files, for tests and for trying warta by hand.

    uv run python scripts/make_hostile_corpus.py OUT_DIR

Nothing here is committed as a binary: every file is made by this script in a second or
two (about 40 MB on disk). `write_hostile_corpus(root)` returns what each file must
become under the default config: a relpath -> expectation map, where an expectation is a
set of outcomes, each "accepted" (a document or an exact duplicate) or a reject reason.
Paths that must *not* be ingested (symlinks, hidden folders) are listed separately.

Standard library only, so it runs anywhere; tests/hostile/test_hostile_folder.py ingests
the folder whole.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

ACCEPTED = "accepted"

# Fictional articles, long enough to pass min_body_chars after cleaning.
_PARAGRAPHS = [
    "Pemerintah kabupaten meresmikan jembatan gantung baru yang menghubungkan dua desa di "
    "tepi sungai. Warga selama ini harus menyeberang dengan perahu kecil setiap pagi.",
    "Kepala desa mengatakan jembatan itu dibangun dengan dana desa dan gotong royong warga "
    "selama enam bulan. Anak sekolah kini bisa berangkat tanpa menunggu perahu.",
    "Dinas pekerjaan umum berjanji memeriksa kekuatan jembatan setiap tahun dan memasang "
    "lampu penerangan sebelum musim hujan tiba di wilayah tersebut.",
]


def article(n: int, title: str | None = None) -> str:
    """A distinct article body (a different number keeps exact duplicates apart)."""
    head = title if title is not None else f"Jembatan Gantung Baru Nomor {n} Diresmikan"
    body = "\n\n".join(f"{p} Catatan lapangan nomor {n}." for p in _PARAGRAPHS)
    return f"{head}\n\n{body}\n"


def _body(n: int) -> str:
    return article(n).split("\n\n", 1)[1]


XSS_TITLE = "<script>alert(1)</script>"
SQL_TITLE = "Robert'); DROP TABLE documents; -- \"quoted\""
SHELL_NAMES = ["$(touch pwned).txt", "`id`.txt", "semi;colon & pipe|.txt", "-rf .txt",
               "quote'and\"double.txt"]


def write_hostile_corpus(root: Path) -> dict:
    """Write the folder; return {"expect": {relpath: set}, "absent": [relpaths], ...}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, set[str]] = {}
    counter = iter(range(1000, 100000))

    def put(relpath: str | bytes, data: bytes | str, *outcomes: str) -> None:
        raw = os.fsencode(relpath) if isinstance(relpath, str) else relpath
        path = os.path.join(os.fsencode(root), raw)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        key = raw.decode("utf-8", "surrogateescape")
        expect[key] = set(outcomes)

    # --- bounded resources -------------------------------------------------------------
    # 80 MB of zeros in ~80 KB: must stop at max_file_bytes while decompressing.
    put("size/bomb.txt.gz", _gzip_zeros(80 * 1024 * 1024), "too_large")
    put("size/bomb_lines.jsonl.gz", gzip.compress(b"\n" * (70 * 1024 * 1024), 9), "too_large")
    put("size/truncated.json.gz", gzip.compress(article(next(counter)).encode())[:60],
        "malformed_record")
    put("size/not_gzip.csv.gz", b"this was never gzip", "malformed_record")
    put("size/empty.txt.gz", b"", "empty")
    put("size/two_members.txt.gz", gzip.compress(article(next(counter)).encode())
        + gzip.compress(b"\nParagraf tambahan dari anggota gzip kedua.\n"), ACCEPTED)
    put("size/giant_line.txt", "kata " * 600_000, "too_large")            # 3 MB, one line
    put("size/million_empty_lines.txt", "\n" * 1_000_000, "empty")
    put("size/million_empty_lines_then_article.jsonl",
        "\n" * 1_000_000 + json.dumps({"title": "Akhir", "content": _body(next(counter))}) + "\n",
        ACCEPTED)
    put("size/million_blank_rows.csv",
        "title,text\n" + ",\n" * 1_000_000 + f'Akhir,"{_body(next(counter))}"\n', ACCEPTED)
    big_field = _body(next(counter)) + "\n\n" + " ".join(
        f"kata{i}" for i in range(25_000))                               # ~190 KB field
    put("size/csv_field_over_default_limit.csv",
        f'title,text\nPanjang,"{big_field}"\nBiasa,"{_body(next(counter))}"\n', ACCEPTED)
    put("size/csv_field_over_max_line_bytes.csv",
        'title,text\nA,"' + "y" * (9 * 1024 * 1024) + '"\n', "too_large")
    put("size/csv_unterminated_quote.csv",
        f'title,text\nA,"{_body(next(counter))}\nB,tidak pernah ditutup\n', ACCEPTED)
    put("size/deep_array.json", "[" * 100_000 + "]" * 100_000, "malformed_record")
    put("size/deep_object.jsonl",
        '{"a":' * 50_000 + "1" + "}" * 50_000 + "\n"
        + json.dumps({"title": "Normal", "content": _body(next(counter))}) + "\n",
        "malformed_record", ACCEPTED)
    put("size/json_flood.json", "[" + ",".join(["{}"] * 3_000_000) + "]", "too_large")
    put("size/json_bigint.json", '{"text": ' + "9" * 50_000 + "}", "malformed_record")
    put("size/huge_title.jsonl",
        json.dumps({"title": "judul " * 100_000, "content": _body(next(counter))}) + "\n",
        "too_large")
    put("size/markup_bomb.html", "<html><body>" + "<div><span>x</span></div>" * 400_000
        + "</body></html>", "too_large")                                  # 10 MB of tags
    put("size/nested_tags.html", "<html><body>" + "<div>" * 100_000 + _body(next(counter))
        + "</div>" * 100_000 + "</body></html>", "too_large")
    put("size/attributes.html", "<html><body><article><p "
        + " ".join(f"a{i}=x" for i in range(300_000)) + ">"
        + "</p><p>".join(_body(next(counter)).split("\n\n")) + "</p></article></body></html>",
        ACCEPTED)
    put("size/scripts.html", "<html><head><title>Skrip</title></head><body>"
        + "<script>var x = '<p>bukan berita</p>';</script>" * 50_000
        + "<article><p>" + "</p><p>".join(_body(next(counter)).split("\n\n"))
        + "</p></article></body></html>", ACCEPTED)
    put("size/unclosed_script.html", "<p>awal</p>" + "<script" * 500_000, "too_large",
        "no_body", "too_short")

    # --- broken encodings and bytes ------------------------------------------------------
    put("bytes/random.txt", _pseudo_random(200_000), "binary", "undecodable")
    put("bytes/png_named.json", b"\x89PNG\r\n\x1a\n" + _pseudo_random(5000), "binary")
    put("bytes/control_chars.txt", bytes(range(1, 32)) * 100, "undecodable")
    put("bytes/only_bom.txt", b"\xef\xbb\xbf", "empty")
    put("bytes/utf16_odd_length.txt", article(next(counter)).encode("utf-16")[:-1], ACCEPTED)
    cut = article(next(counter)) + "\u201cKutipan terpotong\u201d"
    put("bytes/utf8_cut_mid_char.txt", cut.encode("utf-8")[:-1], ACCEPTED)
    put("bytes/cp1252.txt", article(next(counter)).replace("Catatan", "Caf\u00e9").encode(
        "cp1252"), ACCEPTED)
    put("bytes/mojibake.txt", article(next(counter)).replace(
        "Catatan", "\u201cCatatan\u201d").encode("utf-8").decode("cp1252", "replace"), ACCEPTED)
    put("bytes/zero_width_bidi.txt", article(next(counter)).replace(
        "Warga", "\u202eWarga\u200b\u200d\ufeff"), ACCEPTED)
    put("bytes/surrogates.json", json.dumps(
        {"title": "Judul \ud800 rusak", "content": _body(next(counter)) + " \udfff",
         "url": "https://contoh.id/\ud83d", "author": "Ani \udc00"}), ACCEPTED)
    put("bytes/nul_in_fields.jsonl", json.dumps(
        {"title": "Judul\u0000 dengan NUL", "content": _body(next(counter)).replace(
            "Warga", "War\u0000ga"), "url": "https://contoh.id/a\u0000b",
         "date": "2025-06-18\u0000"}) + "\n", ACCEPTED)
    put("bytes/truncated.jsonl", (json.dumps({"title": "A", "content": _body(next(counter))})
                                  + "\n" + json.dumps({"title": "B", "content": "x" * 300}))[:-20],
        ACCEPTED, "malformed_record")
    put("bytes/ragged.csv", "title,text\nA,b,c,d\n" + f'B,"{_body(next(counter))}"\n',
        "malformed_record", ACCEPTED)
    put("bytes/empty.json", b"", "empty")
    put("bytes/empty_list.json", "[]", "empty")
    put("bytes/html_no_text.html", "<html><body><nav>menu</nav></body></html>", "no_body",
        "too_short")
    put("bytes/unsupported.exe", b"MZ\x90\x00", "unsupported_format")
    put("bytes/no_extension", b"just text", "unsupported_format")

    # --- content that must stay text ---------------------------------------------------
    put("safe/xss.json", json.dumps({"title": XSS_TITLE, "content": _body(next(counter))
                                     + '\n\n<img src=x onerror="alert(1)"> tetap teks.',
                                     "author": "<b onmouseover=alert(1)>Ani</b>"}), ACCEPTED)
    put("safe/xss_page.html", f"<html><head><title>{_escape(XSS_TITLE)}</title>"
        f'<meta property="og:title" content="{_escape(XSS_TITLE)}"></head><body><article>'
        + "<p>" + "</p><p>".join(_body(next(counter)).split("\n\n")) + "</p>"
        "</article></body></html>", ACCEPTED)
    put("safe/sql.jsonl", json.dumps({"title": SQL_TITLE, "content": _body(next(counter)),
                                      "source": "x'; DELETE FROM rejects; --"}) + "\n",
        ACCEPTED)

    # --- names -------------------------------------------------------------------------
    for name in SHELL_NAMES:
        put(f"names/{name}", article(next(counter)), ACCEPTED)
    put("names/a::b.txt", article(next(counter)), ACCEPTED)        # fsspec URL chaining
    put("names/glob[*?].txt", article(next(counter)), ACCEPTED)
    put("names/%2e%2e%2fup.txt", article(next(counter)), ACCEPTED)
    put("names/new\nline.txt", article(next(counter)), ACCEPTED)
    put("names/tab\tand\x1bescape.txt", article(next(counter)), ACCEPTED)
    put("names/emoji \U0001f600 berita.txt", article(next(counter)), ACCEPTED)
    put("names/cafe\u0301 nfd.txt", article(next(counter)), ACCEPTED)
    put("names/" + "panjang" * 34 + ".txt", article(next(counter)), ACCEPTED)  # 242 bytes
    put(b"names/bad\xff\xfe-latin1-caf\xe9.txt", article(next(counter)), ACCEPTED)
    put(b"names/lone-surrogate-\xed\xa0\x80.txt", article(next(counter)), ACCEPTED)
    deep = "/".join(["d"] * 150)
    put(f"names/{deep}/deep.txt", article(next(counter)), ACCEPTED)

    # --- the file system ---------------------------------------------------------------
    absent = []
    outside = root.parent / (root.name + "_outside")
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text(article(next(counter)))
    links = {"fs/escape_dir": str(outside), "fs/escape_file.txt": str(outside / "secret.txt"),
             "fs/loop_self": ".", "fs/loop_parent": "..", "fs/dangling.txt": "nowhere.txt"}
    (root / "fs").mkdir(exist_ok=True)
    for rel, target in links.items():
        os.symlink(target, root / rel)
        absent.append(rel)
    os.makedirs(root / "fs" / "a" / "b", exist_ok=True)
    os.symlink("../../a", root / "fs" / "a" / "b" / "cycle")
    absent.append("fs/a/b/cycle")
    put("fs/a/b/inside.txt", article(next(counter)), ACCEPTED)
    (root / "fs" / ".hidden").mkdir(exist_ok=True)
    (root / "fs" / ".hidden" / "x.txt").write_text(article(next(counter)))
    (root / "fs" / ".dotfile.txt").write_text(article(next(counter)))
    absent += ["fs/.hidden/x.txt", "fs/.dotfile.txt"]
    fifo = root / "fs" / "fifo.txt"
    unreadable: list[str] = []
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        expect["fs/fifo.txt"] = {"unreadable"}
        unreadable.append("fs/fifo.txt")
    if os.name == "posix" and os.geteuid() != 0:       # root reads through chmod 000
        put("fs/no_permission.txt", article(next(counter)), "unreadable")
        os.chmod(root / "fs" / "no_permission.txt", 0)
        unreadable.append("fs/no_permission.txt")
    put("fs/far_future_mtime.txt", article(next(counter)), ACCEPTED)
    put("fs/far_past_mtime.txt", article(next(counter)), ACCEPTED)
    try:
        os.utime(root / "fs" / "far_future_mtime.txt", (3e11, 3e11))     # year ~11,500
        os.utime(root / "fs" / "far_past_mtime.txt", (-7e10, -7e10))     # year ~-250
    except (OSError, OverflowError, ValueError):
        pass
    return {"expect": expect, "absent": absent, "unreadable": unreadable,
            "outside": str(outside)}


def _gzip_zeros(n: int) -> bytes:
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\x00" * (1 << 20)
    parts = [compressor.compress(block) for _ in range(n // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def _pseudo_random(n: int) -> bytes:
    """Deterministic noise (the same folder on every run)."""
    import hashlib

    out = bytearray()
    seed = b"warta-hostile"
    while len(out) < n:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return bytes(out[:n])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    manifest = write_hostile_corpus(Path(argv[0]))
    print(f"wrote {len(manifest['expect'])} hostile files to {argv[0]} "
          f"(and symlink targets in {manifest['outside']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
