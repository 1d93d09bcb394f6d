"""The per-type compiled decoder gives python-crfsuite's own best path on the shipped model."""

from __future__ import annotations

import numpy as np
import pycrfsuite
import pytest

from transforms.entities.decoder import Decoder
from transforms.entities.features import sentence_items, tokenize
from transforms.entities.iob import spans
from transforms.entities.ner import MODEL_PATH

TEXT = (
    "Menteri Luar Negeri Amerika Serikat John Kerry bertemu Presiden Rusia Vladimir Putin di "
    "Moskow, Selasa (12/5/2015). Gubernur Jawa Barat Dedi Mulyadi meninjau banjir di desa "
    "Sukamaju, Kabupaten Bandung. PT Pertamina (Persero) dan Bank Rakyat Indonesia (BRI) "
    "menandatangani kerja sama di Gedung Sate. Kata Ketua Umum Partai Golkar, Bahlil Lahadalia, "
    "partainya siap. Warga kampung itu tidak tahu apa-apa soal rencana pemerintah."
)


def _sentences() -> list[list[str]]:
    words = [t[0] for t in tokenize(TEXT)]
    out, cur = [], []
    for w in words:
        cur.append(w)
        if w == ".":
            out.append(cur)
            cur = []
    return out


@pytest.fixture(scope="module")
def tagger() -> pycrfsuite.Tagger:
    t = pycrfsuite.Tagger()
    t.open(str(MODEL_PATH))
    return t


def test_exact_decoder_matches_crfsuite(tagger: pycrfsuite.Tagger) -> None:
    dec = Decoder(MODEL_PATH, exact=True)
    assert dec._vec_weights is not None  # the shipped model's vector features are compiled
    for words in _sentences():
        start = np.zeros(len(words), dtype=bool)
        start[0] = True
        want = spans(tagger.tag(sentence_items(words)))
        assert set(dec.decode(dec.ids(words), start)) == want, words


def test_whole_text_decodes_like_its_sentences() -> None:
    """Sentence starts cut the context, so one call over the text equals per-sentence calls."""
    dec = Decoder(MODEL_PATH, exact=True)
    sents = _sentences()
    words = [w for s in sents for w in s]
    start = np.zeros(len(words), dtype=bool)
    got_each, off = set(), 0
    for s in sents:
        start[off] = True
        one = np.zeros(len(s), dtype=bool)
        one[0] = True
        got_each |= {(a + off, b + off, k) for a, b, k in dec.decode(dec.ids(s), one)}
        off += len(s)
    assert set(dec.decode(dec.ids(words), start)) == got_each


def test_candidate_decoding_finds_the_names() -> None:
    dec = Decoder(MODEL_PATH)
    words = _sentences()[0]
    start = np.zeros(len(words), dtype=bool)
    start[0] = True
    found = {" ".join(words[a:b]): k for a, b, k in dec.decode(dec.ids(words), start)}
    assert found.get("John Kerry") == "person"
    assert found.get("Moskow") == "location"


def test_type_cache_reset_keeps_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the per-type cache is full it starts again; results do not change."""
    import transforms.entities.decoder as decoder_module

    fresh = Decoder(MODEL_PATH)
    small = Decoder(MODEL_PATH)
    monkeypatch.setattr(decoder_module, "_MAX_TYPES", 40)
    for words in _sentences() * 2:
        start = np.zeros(len(words), dtype=bool)
        start[0] = True
        assert small.decode(small.ids(words), start) == fresh.decode(fresh.ids(words), start)
        assert small._size <= 40 + len(words)
