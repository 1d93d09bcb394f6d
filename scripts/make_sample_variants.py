"""Regenerate the derived files of the bundled sample corpus (sample_corpus/).

All article text in sample_corpus/ is fictional and was written for warta's tests; no
text comes from a real news outlet. Most files are hand-written UTF-8 sources. This
script derives the rest from them (or, for the 2014 archive, from the records below),
byte for byte the same on every run:

* encodings/kafe_utf8.txt            -> kafe_utf8_bom.txt, kafe_utf16le.txt, kafe_cp1252.txt
* txt/moskow_gandum.txt              -> encodings/mojibake_moskow_gandum.txt
                                        (UTF-8 read as Windows-1252, saved again as UTF-8)
* txt/timnas_u23_menang.txt          -> txt/unduhan_timnas_u23.txt (same story, CRLF endings)
* txt/liputan6_banjir_bekasi.txt     -> gz/liputan6_banjir_bekasi.txt.gz
* ARSIP_2014 (below)                 -> gz/arsip_2014.jsonl.gz (hard-wrapped bodies)
* txt/kompas_subsidi_listrik.txt     -> bad/terpotong.txt.gz (gzip cut in half)
* bad/empty.txt, bad/whitespace_only.txt, bad/foto.txt (a real PNG, fixed seed),
  bad/acak.txt (random non-NUL high bytes, fixed seed), bad/laporan.pdf, bad/catatan.docx

gzip files are written with mtime=0 and no file name, so they are reproducible.
Standard library only. Run from anywhere: python scripts/make_sample_variants.py
"""

from __future__ import annotations

import gzip
import json
import random
import struct
import textwrap
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "sample_corpus"

ARSIP_2014 = [
    {
        "judul": "Gubernur Resmikan Pasar Raya Baru di Padang Setelah Dua Tahun Dibangun",
        "isi": [
            "PADANG - Gubernur Sumatera Barat meresmikan gedung Pasar Raya Padang yang baru"
            " pada Kamis 6 November 2014. Pembangunan pasar itu memakan waktu hampir dua tahun"
            " setelah bangunan lama rusak berat akibat gempa.",
            "Gedung empat lantai tersebut mampu menampung sekitar 1.800 pedagang. Lantai dasar"
            " diperuntukkan bagi pedagang sayur, ikan, dan daging, sedangkan lantai atas diisi"
            " pedagang pakaian, emas, dan kebutuhan rumah tangga.",
            '"Pasar ini milik para pedagang dan warga Padang. Mari kita jaga kebersihan dan'
            ' ketertibannya supaya pembeli nyaman berbelanja," kata gubernur dalam sambutannya.',
            "Wali Kota Padang menyebut pemindahan pedagang dari tempat penampungan sementara akan"
            " dilakukan secara bertahap mulai pekan depan. Pembagian kios dilakukan melalui undian"
            " yang disaksikan perwakilan pedagang dan aparat kelurahan.",
            "Sejumlah pedagang menyambut gembira peresmian tersebut, tetapi mengeluhkan besaran"
            " retribusi yang dinilai lebih tinggi dibandingkan di tempat penampungan sementara."
            " Mereka meminta pemerintah kota memberikan keringanan pada tahun pertama.",
            "Pemerintah kota berjanji mengkaji usulan itu. Dinas Pasar juga akan menambah petugas"
            " kebersihan dan keamanan serta menata kawasan parkir di sekitar pasar agar tidak"
            " menimbulkan kemacetan di pusat kota.",
        ],
        "url": "http://www.sumbarpos.com/berita/2014/11/06/gubernur-resmikan-pasar-raya-baru-di-padang",
        "tanggal": "2014-11-06 10:15",
    },
    {
        "judul": "Warga Serbu SPBU Jelang Kenaikan Harga BBM Bersubsidi",
        "isi": [
            "PALEMBANG - Antrean panjang kendaraan terlihat di sejumlah stasiun pengisian bahan"
            " bakar umum (SPBU) di Kota Palembang, Senin (17/11/2014) malam. Warga berbondong-bondong"
            " mengisi tangki kendaraan sebelum harga bahan bakar minyak (BBM) bersubsidi naik.",
            "Di SPBU Jalan Jenderal Sudirman, antrean sepeda motor dan mobil mengular hingga ke"
            " badan jalan. Petugas kepolisian diterjunkan untuk mengatur lalu lintas dan mencegah"
            " kemacetan yang lebih parah.",
            '"Saya sengaja isi penuh sekarang, lumayan bisa hemat beberapa ribu rupiah. Besok'
            ' pasti harganya sudah naik," kata Hendra, seorang pengemudi taksi yang mengantre'
            " hampir satu jam.",
            "Pertamina wilayah Sumatera Bagian Selatan memastikan stok BBM di Palembang mencukupi."
            " Perusahaan itu menambah jam operasional mobil tangki agar pasokan ke SPBU tidak"
            " terputus selama lonjakan pembelian.",
            "Sejumlah SPBU sempat kehabisan premium sebelum pukul sepuluh malam. Pengelola SPBU"
            " meminta warga tidak panik dan membeli BBM sesuai kebutuhan.",
            "Di sisi lain, para sopir angkutan kota berencana menaikkan tarif menyusul kenaikan"
            " harga BBM. Organisasi angkutan darat setempat meminta pemerintah daerah segera"
            " menetapkan tarif baru agar tidak terjadi perselisihan dengan penumpang.",
        ],
        "url": "http://www.sumselnews.com/2014/11/17/warga-serbu-spbu-jelang-kenaikan-harga-bbm-bersubsidi",
        "tanggal": "Senin, 17 November 2014 22:40",
    },
]


def write(rel: str, data: bytes) -> None:
    path = ROOT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"{len(data):8d}  {rel}")


def read(rel: str) -> bytes:
    return (ROOT / rel).read_bytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def sloppy_cp1252(data: bytes) -> str:
    """Decode bytes as Windows-1252, keeping the five undefined bytes as U+0080..U+009F."""
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def png(width: int, height: int, seed: int) -> bytes:
    rng = random.Random(seed)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    # -- the same article in four encodings
    kafe = read("encodings/kafe_utf8.txt").decode("utf-8")
    write("encodings/kafe_utf8_bom.txt", b"\xef\xbb\xbf" + kafe.encode("utf-8"))
    write("encodings/kafe_utf16le.txt", b"\xff\xfe" + kafe.encode("utf-16-le"))
    write("encodings/kafe_cp1252.txt", kafe.encode("cp1252"))

    # -- mojibake: UTF-8 bytes read as Windows-1252 and saved again as UTF-8
    moskow = read("txt/moskow_gandum.txt")
    write("encodings/mojibake_moskow_gandum.txt", sloppy_cp1252(moskow).encode("utf-8"))

    # -- the same story saved twice (second copy with Windows line endings)
    timnas = read("txt/timnas_u23_menang.txt")
    write("txt/unduhan_timnas_u23.txt", timnas.replace(b"\n", b"\r\n"))

    # -- gzip
    write("gz/liputan6_banjir_bekasi.txt.gz", gz(read("txt/liputan6_banjir_bekasi.txt")))
    lines = []
    for rec in ARSIP_2014:
        paras = ["\n".join(textwrap.wrap(p, 72, break_on_hyphens=False)) for p in rec["isi"]]
        lines.append(json.dumps({**rec, "isi": "\n\n".join(paras)}, ensure_ascii=False))
    write("gz/arsip_2014.jsonl.gz", gz(("\n".join(lines) + "\n").encode("utf-8")))

    # -- bad inputs
    full = gz(read("txt/kompas_subsidi_listrik.txt"))
    write("bad/terpotong.txt.gz", full[: len(full) // 2])
    write("bad/empty.txt", b"")
    write("bad/whitespace_only.txt", b"   \n\n      \n \n\n          \n")
    write("bad/foto.txt", png(16, 16, seed=1))
    rng = random.Random(20250618)
    write("bad/acak.txt", bytes(rng.randrange(0x80, 0x100) for _ in range(512)))
    write(
        "bad/laporan.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n",
    )
    write("bad/catatan.docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml")


if __name__ == "__main__":
    main()
