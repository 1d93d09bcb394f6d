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
