"""Entities, quotes and cited sources on small texts written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.entities import (
    extract_cited_sources,
    extract_entities,
    extract_quotes,
    score_iob_file,
)
from transforms.entities.countries import country_code
from transforms.entities.iob import map_tag, read_iob, score_spans, spans, to_bioes

BODY = (
    "Menteri Luar Negeri Amerika Serikat John Kerry bertemu Presiden Rusia Vladimir Putin "
    "di Moskow, Selasa (12/5/2015).\n\n"
    '"Kami datang untuk mencari jalan keluar bagi krisis Suriah," kata Kerry kepada wartawan.\n\n'
    '"Pembicaraan ini penting bagi kedua negara," imbuhnya.\n\n'
    "Seorang pejabat senior Kremlin yang tidak mau disebut namanya menilai pertemuan itu positif. "
    '"Suasananya jauh lebih baik dari tahun lalu," jelas pejabat itu.\n\n'
    "Penasihat Kremlin Yuri Ushakov menyebut Putin siap berbicara lagi. "
    '"Presiden terbuka untuk pertemuan berikutnya," ujar Ushakov.'
)


@pytest.fixture(scope="module")
def ents() -> list[dict]:
    return extract_entities(BODY)


def test_entity_rows_have_the_contract_keys(ents: list[dict]) -> None:
    assert ents
    for e in ents:
        assert set(e) == {"kind", "text", "canonical", "country_code", "start", "end"}
        assert e["kind"] in ("person", "organization", "location")
        assert BODY[e["start"] : e["end"]] == e["text"]


def test_people_and_places_found(ents: list[dict]) -> None:
    people = {e["text"] for e in ents if e["kind"] == "person"}
    places = {e["text"] for e in ents if e["kind"] == "location"}
    assert {"John Kerry", "Vladimir Putin", "Yuri Ushakov"} <= people
    assert "Moskow" in places


def test_short_mention_links_to_full_name(ents: list[dict]) -> None:
    kerry = [e for e in ents if e["text"] == "Kerry"]
    assert kerry and all(e["canonical"] == "John Kerry" for e in kerry)
    putin = [e for e in ents if e["text"] == "Putin"]
    assert putin and all(e["canonical"] == "Vladimir Putin" for e in putin)


def test_country_codes_on_locations(ents: list[dict]) -> None:
    codes = {e["text"]: e["country_code"] for e in ents if e["kind"] == "location"}
    assert codes.get("Rusia") == "RU"
    assert codes.get("Moskow") is None


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("AS", "US"),
        ("Amerika Serikat", "US"),
        ("Rusia", "RU"),
        ("Suriah", "SY"),
        ("Tiongkok", "CN"),
        ("Inggris", "GB"),
        ("Prancis", "FR"),
        ("Jepang", "JP"),
        ("Korea Selatan", "KR"),
        ("Federasi Rusia", "RU"),
        ("Jakarta", None),
        ("as", None),
    ],
)
def test_country_code_table(name: str, code: str | None) -> None:
    assert country_code(name) == code


def test_acronym_links_to_expansion() -> None:
    body = (
        "Komisi Pemberantasan Korupsi (KPK) memeriksa dua saksi di Jakarta. "
        "Juru bicara KPK menyebut pemeriksaan berlangsung lancar."
    )
    ents = extract_entities(body)
    kpk = [e for e in ents if e["text"] == "KPK"]
    assert kpk and all(e["canonical"] == "Komisi Pemberantasan Korupsi" for e in kpk)


# ---- quotes ---------------------------------------------------------------------------------


def test_quotes_and_speakers(ents: list[dict]) -> None:
    quotes = extract_quotes(BODY, ents)
    speakers = [q["speaker"] for q in quotes]
    assert speakers == [
        "John Kerry",  # "kata Kerry" -> canonical full name
        "John Kerry",  # "imbuhnya" -> previous speaker
        "pejabat senior Kremlin",  # "jelas pejabat itu" -> the described official
        "Yuri Ushakov",  # "ujar Ushakov"
    ]
    for q in quotes:
        assert BODY[q["start"] : q["end"]] == q["text"]
    assert quotes[0]["text"].startswith("Kami datang")
    assert not quotes[0]["text"].endswith(",")


def test_speaker_before_quote_and_pronoun() -> None:
    body = (
        "Gubernur Jawa Barat Dedi Mulyadi meninjau lokasi banjir. "
        'Ia mengatakan, "Bantuan akan datang sore ini juga untuk semua warga."'
    )
    quotes = extract_quotes(body, extract_entities(body))
    assert len(quotes) == 1
    assert quotes[0]["speaker"] == "Dedi Mulyadi"


def test_menurut_speaker_before_quote() -> None:
    body = 'Menurut Sri Wahyuni, "harga beras sudah turun sejak pekan lalu di pasar."'
    quotes = extract_quotes(body, extract_entities(body))
    assert quotes and quotes[0]["speaker"] == "Sri Wahyuni"


def test_quoted_term_is_not_a_quote() -> None:
    body = 'Warga menyebut tradisi itu "nyadran" sejak dulu.'
    assert extract_quotes(body, extract_entities(body)) == []


# ---- cited sources --------------------------------------------------------------------------


def test_cited_sources_patterns() -> None:
    body = (
        "Serangan itu menewaskan tiga orang, dilansir Reuters, Senin (16/6).\n\n"
        "Mengutip Wall Street Journal, rencana itu sudah disiapkan sejak Mei.\n\n"
        "Menurut kantor berita Al-Jazeera, bantuan belum tiba.\n\n"
        '"Kami akan membalas," tulis Trump di akun Truth Social-nya.\n\n'
        "Menurut Presiden Joko Widodo, ekonomi tetap tumbuh.\n\n"
        "Sumber: TNA"
    )
    got = {s["name"]: s["kind"] for s in extract_cited_sources(body)}
    assert got == {
        "Reuters": "agency",
        "Wall Street Journal": "newspaper",
        "Al-Jazeera": "agency",
        "Truth Social": "platform",
        "TNA": "outlet",
    }


def test_cited_source_descriptor_and_unknown_outlet() -> None:
    body = (
        "Seperti dilaporkan surat kabar Harian Rakyat, jembatan itu ambruk. Dilansir Contoh News."
    )
    got = {s["name"]: s["kind"] for s in extract_cited_sources(body)}
    assert got == {"Harian Rakyat": "newspaper", "Contoh News": "outlet"}


def test_instagram_account() -> None:
    body = "Ia mengunggah video itu melalui akun Instagram pribadinya."
    assert extract_cited_sources(body) == [{"name": "Instagram", "kind": "platform"}]


# ---- IOB scoring ----------------------------------------------------------------------------


def test_tag_mapping() -> None:
    assert map_tag("B-PERSON") == "B-person"
    assert map_tag("I-PLACE") == "I-location"
    assert map_tag("B-ORGANISATION") == "B-organization"
    assert map_tag("B-ORG") == "B-organization"
    assert map_tag("B-LOCATION") == "B-location"
    assert map_tag("B-MISC") == "O"
    assert map_tag("O") == "O"


def test_bioes_keeps_the_spans() -> None:
    tags = ["B-person", "I-person", "I-person", "O", "B-location", "I-organization", "B-person"]
    bioes = to_bioes(tags)
    assert bioes == ["B-person", "I-person", "E-person", "O", "S-location", "S-organization",
                     "S-person"]  # a stray I- opens a span, as in `spans`
    assert spans([map_tag(t) for t in bioes]) == spans(tags)  # reading BIOES back as IOB


def test_decoder_reads_a_model_trained_on_bioes_labels(tmp_path: Path) -> None:
    """`scripts/train_ner.py --scheme bioes`: S- opens and closes a span, E- continues one."""
    import pycrfsuite

    from transforms.entities.decoder import Decoder
    from transforms.entities.features import sentence_items

    sentences = [
        (["Presiden", "Joko", "Widodo", "tiba", "di", "Bandung", "kemarin"],
         ["O", "B-person", "I-person", "O", "O", "B-location", "O"]),
        (["Menteri", "Sri", "Mulyani", "Indrawati", "bertemu", "Jokowi", "di", "Bogor"],
         ["O", "B-person", "I-person", "I-person", "O", "B-person", "O", "B-location"]),
        (["Warga", "Surabaya", "menyambut", "Budi", "Santoso", "di", "Medan"],
         ["O", "B-location", "O", "B-person", "I-person", "O", "B-location"]),
    ] * 4
    trainer = pycrfsuite.Trainer(verbose=False)
    for words, tags in sentences:
        trainer.append(sentence_items(words), to_bioes(tags))
    trainer.set_params({"c1": 0.0, "c2": 0.01, "max_iterations": 100})
    trainer.train(str(tmp_path / "bioes.crfsuite"))
    decoder = Decoder(tmp_path / "bioes.crfsuite", exact=True)
    assert any(label.startswith("S-") for label in decoder.labels)
    for words, tags in sentences[:3]:
        assert decoder.tag(words) == tags


def test_spans_and_scores() -> None:
    gold = spans(["B-person", "I-person", "O", "B-location"])
    pred = spans(["B-person", "I-person", "O", "B-organization"])
    scores = score_spans([(gold, pred)])
    assert scores["person"]["f1"] == 1.0
    assert scores["location"]["recall"] == 0.0
    assert scores["macro_f1"] == pytest.approx(0.5)


def test_score_iob_file_reads_any_layout(tmp_path: Path) -> None:
    f = tmp_path / "gold.txt"
    f.write_text(
        "Presiden PROPN O\r\nJoko PROPN B-PER\r\nWidodo PROPN I-PER\r\ntiba VERB O\r\n"
        "di ADP O\r\nJakarta PROPN B-LOC\r\n. PUNCT O\r\n\r\n"
        "Kantor\tO\nKPK\tB-ORGANISATION\ndi\tO\nSurabaya\tB-PLACE\nramai\tB-MISC\n",
        encoding="utf-8",
    )
    sents = list(read_iob(f))
    assert len(sents) == 2 and sents[1][1][-1] == "O"
    result = score_iob_file(f)
    assert set(result) >= {"person", "organization", "location", "macro_f1", "micro_f1"}
    assert result["person"]["support"] == 1 and result["location"]["support"] == 2
    assert result["micro_f1"] > 0.5


def test_source_name_stops_at_paragraph_and_skips_institutions() -> None:
    body = (
        "Jumlah korban bertambah, dilansir CNN.\n\nPada hari yang sama, polisi berjaga.\n\n"
        "Kecelakaan itu dilaporkan Korlantas Polri pada pagi hari."
    )
    assert extract_cited_sources(body) == [{"name": "CNN", "kind": "broadcaster"}]


def test_speaker_after_title_abbreviation() -> None:
    body = '"Pasien harus istirahat total selama dua minggu," kata dr. Rina Susanti di Jakarta.'
    quotes = extract_quotes(body, extract_entities(body))
    assert [q["speaker"] for q in quotes] == ["Rina Susanti"]


def test_acronym_rule_leaves_initials_after_a_person_alone() -> None:
    from transforms.entities import ner

    text = ("Polisi menangkap Ahmad Sahroni (AS), warga Bekasi, pada Senin malam. "
            "Komisi Pemberantasan Korupsi (KPK) memeriksa Ahmad Sahroni kemarin.")
    expansions = ner._acronym_expansions  # the rule alone, on entities we choose
    doc = ner._Doc.of_body(text)
    at = text.index
    person = {"kind": "person", "text": "Ahmad Sahroni", "start": at("Ahmad"),
              "end": at("Ahmad") + 13}
    as_country = {"kind": "location", "text": "AS", "start": at("AS)"), "end": at("AS)") + 2}
    kpk = {"kind": "organization", "text": "KPK", "start": at("KPK"), "end": at("KPK") + 3}
    got = expansions([person, as_country, kpk], doc)
    assert person in got and as_country in got  # initials of a person: nothing expanded
    assert {"kind": "organization", "text": "Komisi Pemberantasan Korupsi",
            "start": 0 + at("Komisi"), "end": at("Komisi") + 28} in got


def test_threads_sharing_the_decoder_get_what_one_thread_gets(monkeypatch) -> None:
    """Type registration, compilation and cache resets race without the tagging lock."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    from transforms.entities import decoder, ner

    rng = random.Random(5)
    syllables = ["ka", "ri", "mu", "to", "san", "dra", "wi", "jo", "ha", "lim", "nur", "ba"]

    def name() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).title()

    texts = [
        " ".join(f"{name()} {name()} bertemu {name()} di {name()}, kata Presiden {name()}."
                 for _ in range(8))
        for _ in range(120)
    ]
    monkeypatch.setattr(decoder, "_MAX_TYPES", 600)  # frequent cache resets
    ner.use_model(ner.MODEL_PATH)
    alone = [extract_entities(t) for t in texts]
    ner.use_model(ner.MODEL_PATH)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(extract_entities, texts))
    ner.use_model(ner.MODEL_PATH)
    assert together == alone


def test_a_batch_of_bodies_gets_what_each_body_gets_alone() -> None:
    """Bodies are tokenised and decoded together; nothing may leak across their borders:
    a body ending in a full stop before one opening with a quote and a name, empty and blank
    bodies, trailing newlines, and more runs than the decoder's single-group limit."""
    from transforms.entities import extract_entities_batch

    bodies = [
        BODY,
        "",
        "   \n\n  ",
        "Menteri Luar Negeri Retno Marsudi tiba di Jakarta.",
        '"Kami siap," kata Joko Widodo di Istana Merdeka, Jakarta.\n\n',
        "Rapat digelar di Surabaya. Presiden Prabowo Subianto hadir.",
        "PT Pertamina (Persero) dan Bank Indonesia (BI) menandatangani kerja sama di Bali.",
    ]
    bodies += [" ".join(bodies[3:]) * 8] * 3  # hundreds of candidate runs in one call
    alone = [extract_entities(b) for b in bodies]
    assert any(alone[3]) and alone[1] == [] and alone[2] == []
    assert extract_entities_batch(bodies) == alone
    assert extract_entities_batch(list(reversed(bodies))) == list(reversed(alone))
    assert extract_entities_batch([]) == []


def test_token_offsets_match_the_token_regex_over_any_whitespace() -> None:
    """Offsets come from the tokens' lengths and the positions of non-whitespace characters:
    they must be the regex's own spans whatever the whitespace (tabs, no-break and ideographic
    spaces, line separators), astral characters and lone surrogates around them."""
    from transforms.entities import ner
    from transforms.entities.features import TOKEN

    bodies = [
        "Presiden\u00a0Joko Widodo\tbertemu\u2003PM Anwar\u3000di Kuala Lumpur.",
        "Harga naik 5,2% \U0001F4C8 kata BPS\u2028hari ini\u2029(Senin).",
        "A.S. dan U.K. \ud800 menolak\x1c\x1d\x1e\x1fusulan   Rusia\u200b'an.",
        "",
        "\u3000\u3000",
        "x",
    ]
    docs = ner._Doc.of_bodies(bodies)
    for body, doc in zip(bodies, docs, strict=True):
        expected = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(body)]
        assert list(zip(doc.words, doc.starts, doc.ends, strict=True)) == expected
        assert all(body[s:e] == w for w, s, e in zip(doc.words, doc.starts, doc.ends,
                                                     strict=True))


def test_no_whitespace_above_the_space_table() -> None:
    """`_IS_SPACE` covers U+0000..U+3000 and maps everything above to its last entry (False):
    that is only right if no code point above U+3000 is whitespace, in this Python's Unicode
    database. Every code point is checked, lone surrogates included (they are never spaces)."""
    import sys

    from transforms.entities import ner

    assert sys.maxunicode == 0x10FFFF
    assert chr(ner._LAST_SPACE).isspace()  # U+3000 IDEOGRAPHIC SPACE: the table's last space
    above = [c for c in range(ner._LAST_SPACE + 1, sys.maxunicode + 1) if chr(c).isspace()]
    assert above == [], [f"U+{c:04X}" for c in above[:5]]
    assert ner._IS_SPACE[: ner._LAST_SPACE + 1].tolist() == [
        chr(c).isspace() for c in range(ner._LAST_SPACE + 1)]
    assert len(ner._IS_SPACE) == ner._LAST_SPACE + 2 and not ner._IS_SPACE[-1]


def test_quote_marks_around_punctuation_only_are_not_a_quote() -> None:
    """Trimming " , , , , " left an empty quote (start == end), which the batch gate
    rightly refuses: the whole batch was quarantined for it."""
    body = ('Warga berteriak " , , , , " di depan kantor bupati pada Senin pagi. '
            '"Kami menuntut air bersih untuk seluruh desa," kata Budi Santoso.')
    quotes = extract_quotes(body, [])
    assert [q["text"] for q in quotes] == ["Kami menuntut air bersih untuk seluruh desa"]
    assert all(q["end"] > q["start"] for q in quotes)
