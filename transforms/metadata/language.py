"""Language identification on a prefix: Indonesian told from Malay and English, others detected.

Speed matters (the corpus target is 1,000 documents/s/core for the whole extraction), and
lingua's cost grows with the text (~0.5 us a character), so a cheap function-word test routes:

* overwhelmingly Malay-family text (>= 8% function words, >= 4 distinct ones, < 5% English
  function words) is Indonesian or Malay for certain; marker words decide which. With more
  Indonesian than Malay markers it is Indonesian without lingua; otherwise lingua's
  Indonesian/Malay detector scores the first SCORE_CHARS characters (~0.07 ms);
* other Malay-family text to a small Indonesian/Malay/English/Tagalog detector (~0.2 ms);
* everything else to the full lingua detector (~2 ms, more when its models are out of cache).

The detectors are built lazily once per process from the models shipped inside the lingua
wheel; nothing is downloaded.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

__all__ = ["detect_language", "PREFIX_CHARS", "SCORE_CHARS"]

PREFIX_CHARS = 400
SCORE_CHARS = 120
# Share of function words (and distinct ones) above which a text is taken as Malay-family
# without asking lingua; on news_id_2025 and detik_1k lingua never said otherwise above 0.08,
# and the distinct count keeps out texts that merely repeat one word ("di" in Italian).
# English function words above _ENGLISH_SHARE (an English story quoting Indonesian) send the
# text to the Indonesian/Malay/English/Tagalog detector instead.
_FAMILY_SHARE, _FAMILY_DISTINCT, _ROUTE_SHARE, _ENGLISH_SHARE = 0.08, 4, 0.08, 0.05


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
# Function words shared by Indonesian and Malay; rare in other languages at this density.
_MALAY_FAMILY = _words(
    "yang dan di ke dari untuk dengan ini itu tidak akan pada dalam juga ada adalah bahwa "
    "bahawa kata ia telah oleh atau karena kerana saat sudah belum kami kita mereka "
    # News leads heavy with names fall under the threshold on the words above alone and went
    # to the slow full detector (~2 ms); these are as common in Malay-family news and no
    # common word elsewhere ("para", "dia", "tak" are left out: Spanish, Portuguese, Polish).
    "tersebut secara sebagai menjadi terhadap hingga kepada lebih masih setelah bagi namun "
    "serta agar jika tahun bisa sejak antara seperti hanya harus berdasarkan mengatakan usai "
    "lalu pukul"
)


_ENGLISH = _words(
    "the of and to in is that was for on with as by at from it he she they said this are were "
    "has have be an his her their will would"
)


# Words common in one of the two standards and rare or absent in the other.
_INDONESIAN_ONLY = _words(
    "bahwa karena saja bisa pemerintah uang kantor mobil kemarin besok sekarang nggak gak enggak "
    "aja banget sih dong kok mengatakan menurutnya kabupaten provinsi rp rumah sakit sepak "
    "tapi delapan ujarnya katanya jelasnya tuturnya imbuhnya persen kepolisian perusahaan "
    # Month and weekday spellings differ (Juni/Jun, Agustus/Ogos, Kamis/Khamis, Jumat/Jumaat),
    # as do "resmi"/"rasmi" and the time zones (WIB/MYT). Without them
    # 42% of news_id_2025 bodies had no marker in their prefix and went to lingua (~70 us).
    "maret juni juli agustus desember senin kamis jumat resmi wib"
)
_MALAY_ONLY = _words(
    "bahawa kerana sahaja mahu iaitu manakala selepas menerusi "
    "lapan sebarang pelbagai ringgit peratus polis syarikat "
    "berkenaan awam tentera belanjawan kakitangan percuma kerusi bilik kejohanan jurulatih "
    "pesakit kesihatan kenderaan perniagaan kawalan bekalan rakan kanak-kanak bapa mesyuarat "
    "setiausaha naib pengerusi kempen projek maklumat memandangkan pertubuhan dipercayai "
    "julai ogos disember isnin khamis jumaat rasmi myt"
)


@lru_cache(maxsize=1)
def _small() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(
            Language.INDONESIAN, Language.MALAY, Language.ENGLISH, Language.TAGALOG
        )
        .with_low_accuracy_mode()
        .build()
    )


@lru_cache(maxsize=1)
def _id_ms() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(Language.INDONESIAN, Language.MALAY)
        .with_low_accuracy_mode()
        .build()
    )


@lru_cache(maxsize=1)
def _full() -> LanguageDetector:
    return LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


def _id_ms_margin(words: list[str]) -> int:
    """Indonesian-only minus Malay-only marker words: lingua's n-grams alone confuse the two."""
    indonesian = sum(map(_INDONESIAN_ONLY.__contains__, words))
    return indonesian - sum(map(_MALAY_ONLY.__contains__, words))


def _route(words: list[str], prefix: str) -> tuple[LanguageDetector | None, str]:
    """The detector for this text and the part of the prefix it needs to see; None when
    function words leave no doubt about the family and Indonesian markers outnumber Malay
    ones (lingua agreed with 0.98-0.99 on average there in news_id_2025 and detik_1k)."""
    family = list(filter(_MALAY_FAMILY.__contains__, words))
    share = len(family) / len(words) if words else 0.0
    distinct = len(set(family))
    english = sum(map(_ENGLISH.__contains__, words)) / len(words) if words else 0.0
    if share >= _FAMILY_SHARE and distinct >= _FAMILY_DISTINCT and english < _ENGLISH_SHARE:
        return (None if _id_ms_margin(words) > 0 else _id_ms()), prefix[:SCORE_CHARS]
    # Name-heavy leads ("PT ... (Persero) Tbk (BRI) ...") dilute the share; three distinct
    # function words at half the density still mark the family.
    small = share >= _ROUTE_SHARE or (share >= _ROUTE_SHARE / 2 and distinct >= 3)
    return (_small() if small else _full()), prefix


def detect_language(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, confidence) of a text from its first PREFIX_CHARS characters (the
    confidence of clearly Malay-family text from its first SCORE_CHARS).

    For Indonesian versus Malay, marker words decide when they disagree with lingua; the score
    is then 0.6 + 0.1 per marker of margin (at most 0.99) instead of lingua's confidence.
    Clearly Malay-family text with more Indonesian than Malay markers is Indonesian, 0.99,
    without asking lingua; a Malay verdict or a tie is still scored by lingua.
    """
    prefix = text[:PREFIX_CHARS]
    if len(prefix.strip()) < 3:
        return None, None
    words = _WORD.findall(prefix.lower())
    detector, sample = _route(words, prefix)
    if detector is None:
        return "id", 0.99
    values = detector.compute_language_confidence_values(sample)
    if (not values or values[0].value <= 0.0) and sample is not prefix:
        values = detector.compute_language_confidence_values(prefix)
    if not values or values[0].value <= 0.0:
        return None, None
    code = values[0].language.iso_code_639_1.name.lower()
    score = float(values[0].value)
    if code in ("id", "ms"):
        margin = _id_ms_margin(words)
        # Ties go to Indonesian: real Malay prose carries its markers within a few sentences.
        lexical = "id" if margin >= 0 else "ms"
        if lexical != code:
            code, score = lexical, min(0.99, 0.6 + 0.1 * abs(margin))
    return code, round(score, 4)
