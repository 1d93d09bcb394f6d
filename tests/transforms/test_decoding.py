import pytest

from transforms.decoding import decode_bytes, normalize_text
from transforms.rejects import Rejected, RejectReason

TEXT = "\u201cKami siap,\u201d kata Menteri \u2014 rapat di kaf\u00e9 Jakarta, Senin (16/6/2025)."


@pytest.mark.parametrize("encoding,expected_name", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-bom"), ("utf-16", "utf-16-le-bom"),
    ("utf-16-be", "utf-16-be"), ("cp1252", "cp1252"),
])
def test_every_encoding_yields_the_same_text(encoding, expected_name):
    data = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
        expected_name = "utf-16-be-bom"
    text, name = decode_bytes(data)
    assert normalize_text(text) == TEXT
    assert name == expected_name


def test_bomless_utf16_is_recognised():
    text, name = decode_bytes(TEXT.encode("utf-16-le"))
    assert normalize_text(text) == TEXT and name == "utf-16-le"


def test_mojibake_is_repaired():
    broken = TEXT.encode("utf-8").decode("windows-1252", errors="ignore")
    assert normalize_text(broken) != broken
    assert "kaf\u00e9" in normalize_text(broken)
    assert "\u2014" in normalize_text(broken)


def test_nfc_normalisation():
    decomposed = "kafe\u0301"
    assert normalize_text(decomposed) == "kaf\u00e9"


@pytest.mark.parametrize("data,reason", [
    (b"", RejectReason.EMPTY),
    (b"   \n\t ", RejectReason.EMPTY),
    (b"\x89PNG\r\n\x1a\n\x00\x00", RejectReason.BINARY),
    (b"abc\x00\x01\x02\x03\x00\x00\xff\x00\x10" * 50, RejectReason.BINARY),
    (bytes(range(1, 32)) * 40, RejectReason.UNDECODABLE),
])
def test_bad_bytes_are_rejected_with_a_reason(data, reason):
    with pytest.raises(Rejected) as info:
        decode_bytes(data)
    assert info.value.reason is reason


def test_utf8_with_a_stray_cp1252_byte_stays_utf8():
    """One pasted cp1252 apostrophe in UTF-8 text with curly quotes: the file went to the
    legacy decoders (cp1252 cannot read the 0x9D of a UTF-8 closing quote) and came out
    as mac_iceland mojibake ("caf√©", "‚ÄúKami"). Only the stray byte is cp1252 now."""
    text = "Pemilik café itu berkata, “Kami bertahan,” meski sepi."
    data = text.encode() + b" Masalah\x92 bukan harga."
    decoded, encoding = decode_bytes(data)
    assert decoded == text + " Masalah’ bukan harga."
    assert encoding == "utf-8+cp1252"


def test_legacy_text_with_an_accidental_utf8_pair_stays_legacy():
    """cp1252 "Â©" is c2 a9, valid UTF-8 ("©"); the invalid bytes outnumber it."""
    text = "Merek Â© kafé “bagus” dan élève été."
    assert text.encode("cp1252").count(b"\xc2\xa9") == 1
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")
