"""Property-based fuzzing of the decoder and the cleaner (random bytes, random encodings,
any code point including lone surrogates and controls)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.hostile.fuzzing import ENCODINGS, any_text, encode, fuzz_settings, texts
from transforms.cleaning import clean_body, load_boilerplate_rules
from transforms.config import WartaConfig
from transforms.decoding import decode_bytes, normalize_text
from transforms.rejects import Rejected, RejectReason

# False positive: Prefect threads left by earlier tests use `random`; our strategies never do.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the .random. module inside strategies:"
    "hypothesis.errors.HypothesisDeprecationWarning")

RULES = load_boilerplate_rules(WartaConfig().boilerplate_file)
_CONTROLS = {chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]}


@fuzz_settings(500)
@given(st.one_of(st.binary(max_size=3000),
                 st.tuples(texts, st.sampled_from(ENCODINGS)).map(lambda te: encode(*te))))
def test_decode_bytes_gives_text_or_a_reason(data):
    try:
        text, name = decode_bytes(data)
    except Rejected as rejected:
        assert rejected.reason in {RejectReason.EMPTY, RejectReason.BINARY,
                                   RejectReason.UNDECODABLE}
        return
    assert isinstance(text, str) and name
    text.encode("utf-8")


_printable = st.text(st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"),
                                   exclude_characters="\ufeff"), min_size=1, max_size=300)


@fuzz_settings(300)
@given(_printable, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom",
                                    "utf-32"]))
def test_unicode_encodings_decode_to_the_same_text(text, encoding):
    assume(text.strip())
    assume(not text.startswith(("%PDF", "GIF8")))
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    decoded, _ = decode_bytes(data)
    assert decoded == text
    assert normalize_text(decoded) == normalize_text(text)


@fuzz_settings(500)
@given(st.one_of(any_text, texts))
def test_normalize_text_is_storable_and_deterministic(text):
    out = normalize_text(text)
    out.encode("utf-8")
    assert not _CONTROLS & set(out)
    assert normalize_text(text) == out


@fuzz_settings(300)
@given(st.one_of(texts, any_text))
def test_cleaner_never_raises_and_keeps_only_real_paragraphs(text):
    cleaned = clean_body(normalize_text(text), RULES)
    assert all(p and p == p.strip() for p in cleaned.paragraphs)
    assert len({" ".join(p.casefold().split()) for p in cleaned.paragraphs}) == \
        len(cleaned.paragraphs)
    assert cleaned.n_boilerplate_lines >= 0 and cleaned.n_repeated_paragraphs >= 0
