from pathlib import Path

import pytest

from transforms.cleaning import clean_body, load_boilerplate_rules
from transforms.config import WartaConfig


@pytest.fixture(scope="module")
def rules():
    return load_boilerplate_rules(WartaConfig().boilerplate_file)


def test_boilerplate_lines_are_removed_by_pattern_file(rules):
    text = ("Paragraf pertama tentang harga beras yang naik di pasar.\n"
            "Baca Juga: Harga Cabai Turun Drastis\nADVERTISEMENT\n"
            "SCROLL TO CONTINUE WITH CONTENT\nA A A\n[Gambas:Video 20detik]\n"
            "Bagikan: Facebook Twitter WhatsApp\nPost a Comment\n"
            "Paragraf kedua tentang tanggapan pemerintah.")
    cleaned = clean_body(text, rules)
    assert cleaned.paragraphs == ["Paragraf pertama tentang harga beras yang naik di pasar.",
                                  "Paragraf kedua tentang tanggapan pemerintah."]
    assert cleaned.n_boilerplate_lines == 7
    assert cleaned.removed_by_rule["related_link"] == 1


def test_sentences_that_mention_boilerplate_words_stay(rules):
    text = "Baca juga artikel lengkapnya, kata dia, karena iklan itu menipu banyak orang."
    assert clean_body(text, rules).paragraphs == [text]


def test_named_groups_are_captured_for_metadata(tmp_path: Path):
    patterns = tmp_path / "patterns.txt"
    patterns.write_text('footer: \\d+ responses? to "(?P<footer_title>.+)"\n')
    rules = load_boilerplate_rules(str(patterns))
    cleaned = clean_body('Isi berita yang cukup panjang.\n0 Response to "Jembatan Desa Putus"',
                         rules)
    assert cleaned.captured == {"footer_title": "Jembatan Desa Putus"}
    assert cleaned.paragraphs == ["Isi berita yang cukup panjang."]


def test_hard_wrapped_lines_are_rejoined_and_breaks_kept(rules):
    text = ("Judul Berita Pendek\n\n"
            "JAKARTA - Harga beras di sejumlah pasar tradisional di Jakarta\n"
            "kembali naik pada pekan ini. Kenaikan mencapai Rp 1.000 per\n"
            "kilogram.\n\n"
            "Menurut pedagang, pasokan dari daerah berkurang karena musim\n"
            "hujan yang panjang di wilayah Jawa Barat dan Jawa Tengah.\n")
    assert clean_body(text, rules).paragraphs == [
        "Judul Berita Pendek",
        "JAKARTA - Harga beras di sejumlah pasar tradisional di Jakarta kembali naik pada "
        "pekan ini. Kenaikan mencapai Rp 1.000 per kilogram.",
        "Menurut pedagang, pasokan dari daerah berkurang karena musim hujan yang panjang di "
        "wilayah Jawa Barat dan Jawa Tengah.",
    ]


def test_wrapped_text_without_blank_lines(rules):
    text = ("Harga Beras Naik\n"
            "JAKARTA - Harga beras di sejumlah pasar tradisional di Jakarta\n"
            "kembali naik pada pekan ini. Kenaikan mencapai Rp 1.000 per\n"
            "kilogram.\n"
            "Menurut pedagang, pasokan dari daerah berkurang karena musim\n"
            "hujan yang panjang di wilayah Jawa Barat dan Jawa Tengah.\n")
    paragraphs = clean_body(text, rules).paragraphs
    assert paragraphs[0] == "Harga Beras Naik"
    assert len(paragraphs) == 3
    assert paragraphs[1].endswith("per kilogram.")


def test_one_line_per_paragraph_is_kept(rules):
    text = "Judul\n" + "\n".join(f"Kalimat nomor {i} yang cukup panjang untuk sebuah paragraf "
                                 "berita, ditulis tanpa pemenggalan baris sama sekali."
                                 for i in range(5))
    assert len(clean_body(text, rules).paragraphs) == 6


def test_repeated_paragraphs_are_dropped_and_counted(rules):
    text = "Satu.\n\nDua dua.\n\nSatu.\n\n  satu.  \n\nTiga."
    cleaned = clean_body(text, rules)
    assert cleaned.paragraphs == ["Satu.", "Dua dua.", "Tiga."]
    assert cleaned.n_repeated_paragraphs == 2


def test_bad_pattern_file_names_the_line(tmp_path: Path):
    bad = tmp_path / "patterns.txt"
    bad.write_text("# comment\nok: abc\nbroken: (unclosed\n")
    with pytest.raises(ValueError, match=":3: bad regex"):
        load_boilerplate_rules(str(bad))


def test_spacing_runs_become_one_space(rules):
    text = ("Harga  beras\tnaik  di pasar\u00a0induk \u2009 kemarin.\n"
            "Kalimat biasa tanpa spasi ganda tetap sama.\n"
            "Kutipan \u201cresmi\u201d  dengan  tanda petik.")
    assert clean_body(text, rules).paragraphs == [
        "Harga beras naik di pasar induk kemarin.",
        "Kalimat biasa tanpa spasi ganda tetap sama.",
        "Kutipan \u201cresmi\u201d dengan tanda petik.",
    ]


@pytest.mark.parametrize("echo", [
    "(?P<w>\\w+) (?P=w)",        # named backreference
    "(\\w+) \\1",               # numbered: would point at the first rule's group if joined
    "(h)?(?(1)alo halo|x)",      # conditional on a group number
    "halo halo|x\\(?P<b>",       # "(?P<" that is no group
])
def test_rules_that_cannot_be_joined_still_apply_one_by_one(tmp_path: Path, echo: str):
    patterns = tmp_path / "p.txt"
    patterns.write_text(f"ads: (iklan)\necho: {echo}\n", encoding="utf-8")
    rules = load_boilerplate_rules(str(patterns))
    cleaned = clean_body("Isi berita yang cukup panjang.\nhalo halo\nIKLAN\nPenutup.", rules)
    assert cleaned.paragraphs == ["Isi berita yang cukup panjang.", "Penutup."]
    assert cleaned.removed_by_rule == {"echo": 1, "ads": 1}


@pytest.mark.parametrize("sentence", [
    "Hak cipta lagu itu kini dipegang oleh ahli waris sang komponis.",
    "Copyright atas desain batik itu didaftarkan pengrajin tahun lalu.",
    "Ukuran huruf pada surat suara dinilai terlalu kecil oleh pemilih lansia.",
    "Ikuti perkembangan kasus ini: warganet ramai membahasnya di Twitter sejak pagi.",
    "Ikuti saja arahan petugas di lapangan, kata kepala dinas itu kepada warga.",
])
def test_prose_that_opens_like_a_widget_stays(rules, sentence):
    """The copyright, font-size and follow rules matched any line that began like them."""
    text = f"Paragraf pembuka tentang sidang di pengadilan negeri.\n\n{sentence}"
    assert clean_body(text, rules).paragraphs[-1] == sentence


@pytest.mark.parametrize("widget", [
    "Copyright © 2024 Contoh Media", "Hak Cipta Dilindungi Undang-Undang",
    "Ukuran Font: Kecil Sedang Besar", "Ikuti berita terkini dari Contoh.id di Google News",
    "Follow WhatsApp Channel contohnews", "Ikuti kami di Instagram @contohnews",
    "Ikuti ContohNews di Google News untuk kabar terbaru setiap hari.",
    "Copyright ContohNews. Dilarang mengutip tanpa izin.", "Copyright Contoh.id",
    "Ikuti Instagram kami @contohnews", "Follow Twitter @contohnews",
    "Gabung ke channel Telegram kami", "Copyright by Contoh Online",
])
def test_the_widgets_themselves_still_go(rules, widget):
    text = f"Paragraf pembuka tentang sidang di pengadilan negeri.\n\n{widget}"
    cleaned = clean_body(text, rules)
    assert cleaned.paragraphs == ["Paragraf pembuka tentang sidang di pengadilan negeri."]
    assert cleaned.n_boilerplate_lines == 1


def test_a_wrapped_line_that_looks_like_boilerplate_stays_in_its_paragraph(rules):
    """Rules match whole lines before hard wraps are rejoined: a line of a wrapped
    paragraph that happens to read "hak cipta ..." was removed from the middle of it."""
    text = ("DPR akan membahas revisi undang-undang yang memperkuat perlindungan\n"
            "hak cipta para musisi lokal yang selama ini dirugikan oleh pembajakan di\n"
            "berbagai platform digital, kata ketua komisi itu kepada wartawan. Rapat\n"
            "kerja dengan kementerian pekan depan akan membahas beberapa pokok\n"
            "topik: royalti lagu, pembajakan daring, dan lembaga manajemen kolektif\n"
            "di gedung parlemen, Senayan, dan terbuka untuk umum sejak pagi.\n"
            "Baca juga: Musisi Daerah Menuntut Royalti\n")
    cleaned = clean_body(text, rules)
    assert "hak cipta para musisi lokal" in cleaned.paragraphs[0]
    assert "pokok topik: royalti lagu, pembajakan daring" in cleaned.paragraphs[0]
    assert cleaned.removed_by_rule == {"related_link": 1}  # the real widget still goes


def test_a_headline_right_above_a_wrapped_dateline_lead_is_not_joined_to_it(rules):
    """A long headline fills the wrap width like a wrapped line: it was joined to the
    lead, and title, dateline and outlet were all lost."""
    text = ("Harga Beras Medium Naik Lagi di Pasar Induk Cipinang Pekan Ini\n"
            "JAKARTA, KOMPAS.com - Harga beras medium di Pasar Induk Beras Cipinang\n"
            "kembali naik pada pekan ini setelah pasokan dari sentra produksi di Jawa\n"
            "Tengah dan Jawa Timur berkurang akibat musim kemarau yang panjang.\n")
    paragraphs = clean_body(text, rules).paragraphs
    assert paragraphs[0] == "Harga Beras Medium Naik Lagi di Pasar Induk Cipinang Pekan Ini"
    assert paragraphs[1].startswith("JAKARTA, KOMPAS.com - Harga beras medium")
    assert paragraphs[1].endswith("musim kemarau yang panjang.")
