"""Small hand-written Indonesian articles for tests, and a builder for test source folders."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ARTICLES: dict[str, tuple[str, str]] = {
    "beras": (
        "Harga Beras Medium Naik di Pasar Induk Cipinang",
        "JAKARTA, KOMPAS.com - Harga beras medium di Pasar Induk Beras Cipinang naik Rp 500 "
        "per kilogram dalam sepekan terakhir. Pedagang menyebut pasokan dari sentra produksi di "
        "Jawa Tengah berkurang karena panen mundur.\n\n"
        "\u201cKami hanya menerima separuh dari kiriman biasa,\u201d kata Suryadi, pedagang "
        "beras di blok C pasar tersebut, Senin (16/6/2025).\n\n"
        "Badan Pangan Nasional berjanji menggelontorkan beras cadangan pemerintah ke pasar "
        "tradisional mulai pekan depan agar harga kembali turun \u2014 termasuk ke kafe dan "
        "warung makan di ibu kota.",
    ),
    "gandum": (
        "Rusia Batasi Ekspor Gandum hingga Akhir Tahun",
        "MOSKOW - Pemerintah Rusia membatasi kuota ekspor gandum hingga akhir tahun untuk "
        "menjaga harga roti di dalam negeri tetap stabil. Kebijakan itu diumumkan Kementerian "
        "Pertanian Rusia pada Rabu waktu setempat.\n\n"
        "Dilansir Reuters, kuota baru itu lebih rendah sepertiga dibanding tahun lalu. Para "
        "analis memperkirakan harga gandum dunia akan naik dalam beberapa pekan ke depan.\n\n"
        "Indonesia termasuk negara pengimpor gandum terbesar dari kawasan Laut Hitam, sehingga "
        "pelaku industri tepung di dalam negeri mulai mencari pemasok alternatif.",
    ),
    "timnas": (
        "Timnas U-23 Tekuk Malaysia dan Lolos ke Semifinal",
        "Tim nasional U-23 Indonesia memastikan tempat di semifinal setelah menang 2-0 atas "
        "Malaysia di Stadion Gelora Bung Karno, Jakarta, Sabtu malam. Dua gol dicetak pada "
        "babak kedua melalui sundulan dan tendangan bebas.\n\n"
        "Pelatih tim mengaku puas dengan disiplin para pemain. \u201cAnak-anak bermain sesuai "
        "rencana,\u201d ujarnya seusai laga.\n\n"
        "Di semifinal, Indonesia akan menghadapi pemenang laga antara Thailand dan Vietnam "
        "yang digelar Minggu sore.",
    ),
    "banjir": (
        "Banjir Rendam Ratusan Rumah di Bekasi",
        "Liputan6.com, Bekasi - Hujan deras sejak Selasa sore membuat Kali Bekasi meluap dan "
        "merendam ratusan rumah di tiga kecamatan. Ketinggian air mencapai satu meter di "
        "sejumlah perumahan.\n\n"
        "Badan Penanggulangan Bencana Daerah mendirikan posko pengungsian di masjid dan "
        "sekolah terdekat. Warga diminta waspada karena hujan diperkirakan berlanjut.\n\n"
        "Pemerintah kota menyiapkan perahu karet dan dapur umum untuk membantu warga yang "
        "bertahan di lantai dua rumah mereka.",
    ),
}


def article_text(key: str, title: bool = True) -> str:
    head, body = ARTICLES[key]
    return f"{head}\n\n{body}\n" if title else f"{body}\n"


def write_corpus(root: Path) -> dict[str, int]:
    """A small source folder covering every format, encodings, copies and bad files.

    Returns the expected counts: records, documents, duplicates and rejects.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "txt").mkdir(exist_ok=True)
    (root / "txt" / "beras.txt").write_text(article_text("beras"), encoding="utf-8")
    # The same article in other encodings: exact duplicates of beras.txt.
    (root / "txt" / "beras_bom.txt").write_bytes(article_text("beras").encode("utf-8-sig"))
    (root / "txt" / "beras_utf16.txt").write_bytes(article_text("beras").encode("utf-16"))
    (root / "txt" / "beras_cp1252.txt").write_bytes(article_text("beras").encode("cp1252"))
    (root / "txt" / "gandum.txt").write_text(
        article_text("gandum").replace("\n\nDilansir", "\n\nBaca Juga: Harga Roti Naik\n\n"
                                        "Advertisement\n\nDilansir"), encoding="utf-8")
    head, body = ARTICLES["timnas"]
    records = [{"judul": head, "isi_berita": body, "tautan": "https://example.com/timnas"},
               {"title": ARTICLES["banjir"][0], "content": ARTICLES["banjir"][1]}]
    jsonl = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    jsonl_lines = jsonl.split("\n")
    jsonl_lines.insert(1, '{"judul": "rusak", "isi": ')      # malformed line
    (root / "export.jsonl").write_text("\n".join(jsonl_lines) + "\n", encoding="utf-8")
    with gzip.open(root / "gandum_copy.json.gz", "wt", encoding="utf-8") as handle:
        json.dump({"title": ARTICLES["gandum"][0], "text": ARTICLES["gandum"][1]}, handle)
    (root / "bad").mkdir(exist_ok=True)
    (root / "bad" / "empty.txt").write_bytes(b"")
    (root / "bad" / "foto.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (root / "bad" / "pendek.txt").write_text("Judul Pendek\n\nHanya satu kalimat.\n")
    (root / "bad" / "laporan.pdf").write_bytes(b"%PDF-1.4 not really")
    (root / "bad" / "iklan.txt").write_text("Baca Juga: Sesuatu\n\nAdvertisement\n\nA A A\n")
    # records: 5 txt + 3 jsonl lines + 1 json.gz + 5 bad = 14
    return {"records": 14, "documents": 4, "duplicates": 4, "rejects": 6}
