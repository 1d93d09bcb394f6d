"""Bytes to clean Unicode: BOMs, UTF-16, legacy code pages, mojibake, NFC.

The same article saved in any of these encodings must come out as the same string,
because exact deduplication hashes the result.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import ftfy
from charset_normalizer import from_bytes

from transforms.rejects import Rejected, RejectReason

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "ELF executable"),
)
# Mojibake looks like a UTF-8 lead byte shown as Latin-1/cp1252 (Ã, Â, â...) followed by a
# continuation byte shown the same way; C1 controls and U+FFFD are also signs of damage.
# Plain curly quotes or NBSP are not, so clean text skips ftfy's cost.
_CP1252_CONT = ("\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
                "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
                "\u20ac\u2122")
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00f4][{_CP1252_CONT}]|[\u0080-\u009f\ufffd]")
_MOJIBAKE_CHAR = re.compile("[\u0080-\u009f\u00c2-\u00f4\ufffd]")  # a hint needs one
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that surrogateescape kept
_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False,
                                    normalization="NFC")
_SNIFF_BYTES = 64 * 1024
# More NULs than this in the first 64 KiB: UTF-16 or binary (random bytes hold ~0.4%). A few
# stray ones are text: they rejected a whole JSONL file whose one bad line held two, when
# that line alone is malformed (and normalize_text drops NULs from what is kept).
_MAX_CONTROL_SHARE = 0.02


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) or raise Rejected(binary|undecodable|empty)."""
    if not data.strip():
        raise Rejected(RejectReason.EMPTY, "no bytes" if not data else "only whitespace")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom):], encoding, with_bom=True)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise Rejected(RejectReason.BINARY, kind)
    head = data[:_SNIFF_BYTES]
    if head.count(b"\x00") > max(16, len(head) // 1000):
        utf16 = _guess_bomless_utf16(head)
        if utf16 is None:
            raise Rejected(RejectReason.BINARY, "NUL bytes in content")
        return _decode_with(data, utf16, with_bom=False)
    try:
        return _checked(_decode_truncated(data, "utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    mostly_utf8 = _decode_mostly_utf8(data)
    if mostly_utf8 is not None:
        return _checked(mostly_utf8), "utf-8+cp1252"
    return _decode_legacy(data)


def _decode_mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few stray legacy bytes (a pasted cp1252 quote): the stray bytes
    alone are read as cp1252. Before, the whole file went to the legacy decoders, and a
    UTF-8 curly quote (e2 80 9d: 0x9D is undefined in cp1252) sent it on to a guess such
    as mac_iceland: every accented letter and quote mark came out garbled. None when the
    invalid bytes are not outnumbered by valid multi-byte characters (legacy text)."""
    text = data.decode("utf-8", errors="surrogateescape")
    # Counted through encodings, never as lists of matches: a list holds one object per
    # character (~70 bytes for a surrogate), 280 MB for a 4 MB file of legacy bytes.
    stray = len(data) - len(text.encode("utf-8", errors="ignore"))
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - stray
    if multibyte <= stray:
        return None
    return _ESCAPED_BYTE.sub(_as_cp1252, text)


def _as_cp1252(match: re.Match[str]) -> str:
    return bytes([ord(match.group()) - 0xDC00]).decode("cp1252", errors="replace")


def _decode_truncated(data: bytes, encoding: str) -> str:
    """Decode; a file cut inside its last character loses that character, not its encoding.

    Truncated downloads are common: without this, UTF-8 text whose last multi-byte
    character is cut would fall through to cp1252 and come out as mojibake.
    """
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        cut = exc.reason in ("unexpected end of data", "truncated data")
        if cut and exc.end == len(data) and len(data) - exc.start < 4:
            return data[:exc.start].decode(encoding)
        raise


def _decode_with(data: bytes, encoding: str, with_bom: bool) -> tuple[str, str]:
    try:
        text = _decode_truncated(data, encoding)
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.UNDECODABLE, f"invalid {encoding}: {exc.reason}") from exc
    name = f"{encoding}-bom" if with_bom else encoding
    return _checked(text), name


def _guess_bomless_utf16(head: bytes) -> str | None:
    """UTF-16 text without a BOM has NULs in every other byte for ASCII-heavy text."""
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = max(1, len(head) // 2)
    if odd / half > 0.3 and even / half < 0.05:
        return "utf-16-le"
    if even / half > 0.3 and odd / half < 0.05:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Not UTF-8: cp1252 is by far the commonest legacy encoding of Indonesian pages."""
    try:
        text = data.decode("cp1252")
        return _checked(text), "cp1252"
    except (UnicodeDecodeError, Rejected):
        pass
    best = from_bytes(data[:_SNIFF_BYTES]).best()
    if best is None or best.encoding is None:
        raise Rejected(RejectReason.UNDECODABLE, "no text encoding fits these bytes")
    try:
        return _checked(data.decode(best.encoding)), best.encoding
    except UnicodeDecodeError as exc:
        raise Rejected(RejectReason.UNDECODABLE, f"guessed {best.encoding} but: {exc.reason}") from exc


def _checked(text: str) -> str:
    """Refuse text that is mostly control characters: decoded noise, not prose."""
    sample = text[:_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > _MAX_CONTROL_SHARE:
        raise Rejected(RejectReason.UNDECODABLE, "decodes to control characters, not text")
    return text


def normalize_text(text: str) -> str:
    """Repair mojibake and normalise to NFC; cheap for the common all-ASCII case.

    The result is always storable: no lone surrogates (JSON's "\\ud800" escapes make
    them; they cannot be encoded as UTF-8) and no NUL or other C0 control characters.
    """
    if text.isascii():  # nothing to repair or compose: only controls can be there
        return _CONTROL.sub("", text)
    # The one-class scan is ~4x cheaper than the two-character hint, which rarely follows.
    if _MOJIBAKE_CHAR.search(text) and _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text, config=_FTFY_CONFIG)  # also repairs surrogates
    text = fix_surrogates(_CONTROL.sub("", text))  # ftfy keeps form feeds
    return unicodedata.normalize("NFC", text)


def fix_surrogates(text: str) -> str:
    """Pair surrogates that form a character, replace lone ones with U+FFFD."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
