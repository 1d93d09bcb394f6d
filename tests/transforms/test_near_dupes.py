"""Signatures, band keys and helpers of transforms.near_dupes (texts written for the test)."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from transforms.near_dupes import (
    NearDupConfig,
    UnionFind,
    band_table,
    estimated_jaccard,
    normalise_paragraph,
    paragraph_hash,
    shingle_hashes,
    signature_blobs,
    signature_table,
    signatures_to_matrix,
    strip_boilerplate,
    token_hashes,
    words,
)

VOCAB = ["river", "council", "budget", "harbour", "school", "teacher", "market", "price", "farmer", "rain", "bridge", "minister", "village", "road", "clinic", "doctor", "festival", "museum", "train", "station", "coffee", "rice", "election", "mayor", "court", "judge", "police", "fire", "storm", "flood", "port", "ship", "fisherman"]


def article(seed: int, n_words: int = 220) -> str:
    rng = random.Random(seed)
    paras = []
    for _ in range(4):
        paras.append(" ".join(rng.choice(VOCAB) + str(rng.randrange(50)) for _ in range(n_words // 4)))
    return "\n".join(paras)


def edit(text: str, n_edits: int, seed: int) -> str:
    rng = random.Random(seed)
    toks = text.split(" ")
    for _ in range(n_edits):
        toks[rng.randrange(len(toks))] = "edited" + str(rng.randrange(1000))
    return " ".join(toks)


def exact_jaccard(a: str, b: str, k: int) -> float:
    def sh(t: str) -> set[tuple[str, ...]]:
        w = words(t)
        return {tuple(w[i:i + k]) for i in range(len(w) - k + 1)}
    sa, sb = sh(a), sh(b)
    return len(sa & sb) / len(sa | sb)


def test_words_lowercases_and_splits_on_punctuation() -> None:
    text = "Harga “Kopi” naik 4,15%—kata Pak Budi… café\u00a0x_y ÉTÉ"
    assert words(text) == ["harga", "kopi", "naik", "4", "15", "kata", "pak", "budi", "café",
                           "x", "y", "été"]


def test_vectorised_tokens_match_reference_words() -> None:
    texts = ["Harga “Kopi” naik 4,15%—kata Pak Budi… café\u00a0x_y ÉTÉ", "", "  ", "one",
             article(1), "Jakarta -- Warga: 'banjir' (lagi)!\n\nBaca juga"]
    hashes, offsets = token_hashes(texts)
    for i, t in enumerate(texts):
        ref, ref_off = token_hashes([" ".join(words(t))])
        assert offsets[i + 1] - offsets[i] == len(words(t))
        assert np.array_equal(hashes[offsets[i]:offsets[i + 1]], ref)
        assert ref_off[-1] == len(words(t))


def test_word_hash_ignores_position_and_case() -> None:
    h1, _ = token_hashes(["alpha beta"])
    h2, _ = token_hashes(["BETA, Alpha"])
    assert h1[0] == h2[1] and h1[1] == h2[0]
    assert h1[0] != h1[1]


def test_shingles_of_short_and_long_documents() -> None:
    tok, off = token_hashes(["a b c d e", "a b", "", "b c d"])
    sh, sh_off = shingle_hashes(tok, off, 3)
    assert list(np.diff(sh_off)) == [3, 1, 0, 1]
    assert sh[1] == sh[4 - 1 + 1 + 0]  # "b c d" inside doc 0 == doc 3's only shingle
    assert len(set(sh[:3].tolist())) == 3


def test_signatures_are_deterministic_across_processes() -> None:
    cfg = NearDupConfig()
    body = article(7)
    here = signature_table(["x"], [body], cfg).column("signature").to_pylist()[0]
    code = ("from transforms.near_dupes import NearDupConfig, signature_table;"
            "import sys; b=sys.stdin.read();"
            "print(signature_table(['x'], [b], NearDupConfig()).column('signature').to_pylist()[0])")
    out = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True,
                         text=True, check=True, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert out.stdout.strip() == str(here)


def test_estimated_jaccard_tracks_exact_jaccard() -> None:
    cfg = NearDupConfig()
    base = article(3)
    for n_edits in (0, 5, 20, 60):
        copy = edit(base, n_edits, seed=n_edits)
        tbl = signature_table(["a", "b"], [base, copy], cfg)
        sig = signatures_to_matrix(tbl.column("signature"), cfg.num_perm)
        est = estimated_jaccard(sig[0], sig[1])
        assert abs(est - exact_jaccard(base, copy, cfg.shingle_size)) < 0.15


def test_chunking_does_not_change_signatures() -> None:
    cfg = NearDupConfig()
    bodies = [article(i) for i in range(9)]
    ids = [str(i) for i in range(9)]
    a = signature_table(ids, bodies, cfg, chunk_size=2)
    b = signature_table(ids, pa.array(bodies), cfg, chunk_size=1024)
    assert a.equals(b)


def test_band_table_shape_and_shared_keys() -> None:
    cfg = NearDupConfig()
    base = article(11)
    tbl = signature_table(["a", "b", "c", "stub"], [base, edit(base, 3, 1), article(12), "tiny"], cfg)
    bands = band_table(tbl, cfg)
    assert bands.schema.field("band").type == pa.int16()
    assert bands.schema.field("key").type == pa.uint64()
    assert bands.num_rows == 3 * cfg.bands  # the stub is under min_shingles
    rows = bands.to_pylist()
    keys = {d: {(r["band"], r["key"]) for r in rows if r["doc_id"] == d} for d in "abc"}
    assert keys["a"] & keys["b"]
    assert not keys["a"] & keys["c"]


def test_config_validation_and_lsh_curve() -> None:
    with pytest.raises(ValueError):
        NearDupConfig(bands=64, rows=4, num_perm=128)
    cfg = NearDupConfig()
    assert cfg.candidate_probability(cfg.threshold) > 0.95
    assert cfg.candidate_probability(0.1) < 0.01
    assert NearDupConfig.from_mapping({"threshold": 0.7, "other": 1}).threshold == 0.7
    assert "k3" in cfg.fingerprint


def test_union_find_groups() -> None:
    uf = UnionFind()
    uf.union("a", "b")
    uf.union("c", "d")
    uf.union("b", "d")
    uf.add("e")
    groups = sorted(sorted(g) for g in uf.groups())
    assert groups == [["a", "b", "c", "d"], ["e"]]


def test_paragraph_hash_normalises_case_and_whitespace() -> None:
    assert normalise_paragraph("  Baca\tJUGA \n berita ") == "baca juga berita"
    assert paragraph_hash("Baca juga") == paragraph_hash("  baca   JUGA")
    kept, removed = strip_boilerplate(["Story text.", "SCROLL TO CONTINUE"],
                                      {paragraph_hash("scroll to continue")})
    assert kept == ["Story text."] and removed == 1


def test_signature_blobs_round_trip() -> None:
    cfg = NearDupConfig()
    tbl = signature_table(["a", "b"], [article(1), article(2)], cfg)
    blobs = signature_blobs(tbl.column("signature"), cfg.num_perm)
    assert blobs.type == pa.binary(4 * cfg.num_perm)
    back = signatures_to_matrix(blobs, cfg.num_perm)
    assert np.array_equal(back, signatures_to_matrix(tbl.column("signature"), cfg.num_perm))
    # Variable-size binary (what DuckDB returns for a BLOB column) reads the same.
    assert np.array_equal(signatures_to_matrix(blobs.cast(pa.binary()), cfg.num_perm), back)


def test_threads_give_the_same_signatures() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cfg = NearDupConfig()
    bodies = [article(i, n_words=50 * (1 + i % 7)) for i in range(40)]
    ids = [str(i) for i in range(40)]
    one = signature_table(ids, bodies, cfg)
    with ThreadPoolExecutor(4) as ex:
        many = list(ex.map(lambda k: signature_table(ids[k:k + 5], bodies[k:k + 5], cfg),
                           range(0, 40, 5)))
    assert pa.concat_tables(many).equals(one)


def test_huge_document_is_hashed_like_a_small_one() -> None:
    words_ = " ".join(f"w{i}" for i in range(400_000))  # ~3 MB in one document
    h_big, off = token_hashes([words_])
    h_small, _ = token_hashes([" ".join(f"w{i}" for i in range(399_990, 400_000))])
    assert off[-1] == 400_000
    assert np.array_equal(h_big[-10:], h_small)
