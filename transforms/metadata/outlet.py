"""Outlets as registrable domains, from a URL, a source field, or a name written in the text."""

from __future__ import annotations

import re
from functools import lru_cache

import tldextract

__all__ = ["domain_of", "outlet_from_name", "self_mention_outlet", "KNOWN_OUTLETS"]

# Offline extractor: the public-suffix snapshot bundled with tldextract, never a download.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Names outlets and agencies use in datelines and "Sumber:" lines, mapped to their domains.
KNOWN_OUTLETS = {
    "kompas": "kompas.com", "kompas.com": "kompas.com", "kompas.id": "kompas.id",
    "detik": "detik.com", "detikcom": "detik.com", "detik.com": "detik.com",
    "liputan6": "liputan6.com", "liputan6.com": "liputan6.com",
    "tempo": "tempo.co", "tempo.co": "tempo.co", "koran tempo": "tempo.co",
    "republika": "republika.co.id", "republika.co.id": "republika.co.id",
    "okezone": "okezone.com", "okezone.com": "okezone.com",
    "antara": "antaranews.com", "antaranews": "antaranews.com", "antara news": "antaranews.com",
    "antara foto": "antarafoto.com",
    "cnn indonesia": "cnnindonesia.com", "cnbc indonesia": "cnbcindonesia.com",
    "tribunnews": "tribunnews.com", "tribun": "tribunnews.com",
    "sindonews": "sindonews.com", "sindo": "sindonews.com", "kumparan": "kumparan.com",
    "viva": "viva.co.id", "vivanews": "viva.co.id", "suara": "suara.com",
    "merdeka": "merdeka.com", "merdeka.com": "merdeka.com", "jpnn": "jpnn.com",
    "media indonesia": "mediaindonesia.com", "bisnis": "bisnis.com", "kontan": "kontan.co.id",
    "beritasatu": "beritasatu.com", "inews": "inews.id", "idn times": "idntimes.com",
    "jawa pos": "jawapos.com", "jawapos": "jawapos.com", "the jakarta post": "thejakartapost.com",
    "reuters": "reuters.com", "afp": "afp.com", "ap": "apnews.com", "associated press": "apnews.com",
    "bbc": "bbc.com", "cnn": "cnn.com", "al jazeera": "aljazeera.com", "al-jazeera": "aljazeera.com",
    "aljazeera": "aljazeera.com", "xinhua": "xinhuanet.com", "bernama": "bernama.com",
    "tass": "tass.com", "sputnik": "sputniknews.com", "ria novosti": "ria.ru",
    "the guardian": "theguardian.com", "new york times": "nytimes.com",
    "the new york times": "nytimes.com", "wall street journal": "wsj.com",
    "the wall street journal": "wsj.com", "washington post": "washingtonpost.com",
    "the washington post": "washingtonpost.com", "bloomberg": "bloomberg.com",
    "arrahmah": "arrahmah.id", "hidayatullah": "hidayatullah.com",
}  # fmt: skip

_HOST = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)+$", re.I)


# scheme://[user@]host of a URL: every article has its own URL, but outlets share few hosts.
# The user part is possessive: 'http://a.com:x@' has no host, not the host 'a.com'.
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?+([^:/?#\[\]]+)(?=[:/?#]|$)")


def domain_of(url_or_host: str | None) -> str | None:
    """Registrable domain of a URL or host name ('https://nasional.kompas.com/x' -> 'kompas.com')."""
    if not url_or_host:
        return None
    text = url_or_host.strip().lower()
    if not text:
        return None
    m = _URL_HOST.match(text)
    return _registrable(m.group(1) if m else text)


@lru_cache(maxsize=4096)
def _registrable(text: str) -> str | None:
    """Cached by host, not by URL, so the public-suffix lookup runs once per host."""
    parts = _EXTRACT(text)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def outlet_from_name(name: str | None) -> str | None:
    """An outlet written as a name or host ('KOMPAS.com', 'Antara', 'example-online.com')."""
    if not name:
        return None
    key = " ".join(name.strip().strip(".,;:-–—()[]").split()).lower()
    if not key:
        return None
    if key in KNOWN_OUTLETS:
        return KNOWN_OUTLETS[key]
    if _HOST.match(key):
        return domain_of(key)
    return None


# A source speaking *to* the outlet names the outlet that publishes the story:
# "kata dia kepada detikcom", "saat dihubungi Okezone", "ujarnya kepadaLiputan6.com".
_SELF = re.compile(
    r"\b(?:kepada|dihubungi|ditemui|dikonfirmasi|diwawancarai|menjawab pertanyaan)\s*"
    r"(?P<name>detik\w*|[Oo]kezone(?:\.com)?|Liputan6(?:\.com)?|KOMPAS\.com|Kompas\.com|"
    r"TEMPO(?:\.CO)?|Tempo(?:\.co)?|Republika(?:\.co\.id)?|REPUBLIKA\.CO\.ID|"
    r"[A-Z][\w-]+\.(?:com|co\.id|co|id|net))"
)


def self_mention_outlet(text: str) -> str | None:
    """The outlet a quoted source spoke to, when the text says so more than any other."""
    counts: dict[str, int] = {}
    for m in _SELF.finditer(text):
        name = m.group("name")
        outlet = "detik.com" if name.lower().startswith("detik") else outlet_from_name(name)
        if outlet:
            counts[outlet] = counts.get(outlet, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None
