"""Country names (Indonesian, English, common short forms) to ISO 3166-1 alpha-2 codes.

pycountry ships Indonesian translations for about half the countries ("Amerika Serikat",
"Jepang"); the news forms it lacks ("AS", "Rusia", "Suriah", "Tiongkok", "Inggris",
"Prancis") are listed by hand.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache

import pycountry

__all__ = ["country_code", "country_names"]

_MANUAL = {
    "AS": "US", "A.S.": "US", "Amerika": "US", "Amerika Serikat": "US", "USA": "US", "US": "US",
    "Paman Sam": "US", "Rusia": "RU", "Russia": "RU", "Suriah": "SY", "Syria": "SY",
    "Tiongkok": "CN", "China": "CN", "Cina": "CN", "RRT": "CN", "RRC": "CN",
    "Inggris": "GB", "Britania Raya": "GB", "UK": "GB", "Britania": "GB",
    "Prancis": "FR", "Perancis": "FR", "Korsel": "KR", "Korea Selatan": "KR",
    "Korut": "KP", "Korea Utara": "KP", "Palestina": "PS", "Arab Saudi": "SA", "Saudi": "SA",
    "Uni Emirat Arab": "AE", "UEA": "AE", "Turki": "TR", "Belanda": "NL", "Jerman": "DE",
    "Jepang": "JP", "Selandia Baru": "NZ", "Vietnam": "VN", "Filipina": "PH",
    "Thailand": "TH", "Myanmar": "MM", "Kamboja": "KH", "Laos": "LA", "Brunei": "BN",
    "Brunei Darussalam": "BN", "Timor Leste": "TL", "Timor-Leste": "TL", "Papua Nugini": "PG",
    "Mesir": "EG", "Yordania": "JO", "Lebanon": "LB", "Irak": "IQ", "Iran": "IR",
    "Afganistan": "AF", "Afghanistan": "AF", "Yaman": "YE", "Aljazair": "DZ", "Maroko": "MA",
    "Etiopia": "ET", "Ethiopia": "ET", "Afrika Selatan": "ZA", "Brasil": "BR", "Brazil": "BR",
    "Meksiko": "MX", "Kanada": "CA", "Kuba": "CU", "Kolombia": "CO", "Chili": "CL",
    "Spanyol": "ES", "Italia": "IT", "Yunani": "GR", "Swiss": "CH", "Swedia": "SE",
    "Norwegia": "NO", "Finlandia": "FI", "Polandia": "PL", "Ukraina": "UA", "Belgia": "BE",
    "Hungaria": "HU", "Ceko": "CZ", "Rumania": "RO", "Irlandia": "IE", "Skotlandia": "GB",
    "Wales": "GB", "Taiwan": "TW", "Hong Kong": "HK", "Indonesia": "ID", "RI": "ID",
    "Singapura": "SG", "Malaysia": "MY", "India": "IN", "Australia": "AU", "Israel": "IL",
    "Qatar": "QA", "Kuwait": "KW", "Bahrain": "BH", "Oman": "OM", "Libya": "LY",
    "Sudan": "SD", "Venezuela": "VE", "Argentina": "AR", "Pakistan": "PK", "Bangladesh": "BD",
    "Nepal": "NP", "Sri Lanka": "LK", "Kazakhstan": "KZ", "Uzbekistan": "UZ",
    "Azerbaijan": "AZ", "Armenia": "AM", "Georgia": "GE", "Belarus": "BY", "Serbia": "RS",
    "Kroasia": "HR", "Bosnia": "BA", "Denmark": "DK", "Portugal": "PT", "Austria": "AT",
    "Vatikan": "VA", "Nigeria": "NG", "Kenya": "KE", "Somalia": "SO", "Tunisia": "TN",
    "Korea": "KR", "Mongolia": "MN", "Selandia": "NZ",
}  # fmt: skip

_PREFIXES = re.compile(r"^(Republik|Federasi|Negara|Kerajaan|Republic of|State of|Kingdom of)\s+")


def _variants(name: str) -> set[str]:
    """A pycountry name and its forms without ', Republik Islam' tails or 'Republik' heads."""
    out = {name}
    if "," in name:
        out.add(name.split(",")[0].strip())
    out |= {_PREFIXES.sub("", n) for n in list(out)}
    return {n for n in out if len(n) > 2}


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """Lower-cased name -> alpha-2 code, built once from pycountry and the manual list."""
    try:
        indo = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"])
        translate = indo.gettext
    except OSError:  # pragma: no cover - pycountry always ships the locale
        translate = str
    table: dict[str, str] = {}
    for c in pycountry.countries:
        names = {c.name, translate(c.name)}
        for attr in ("common_name", "official_name"):
            if value := getattr(c, attr, None):
                names |= {value, translate(value)}
        for name in names:
            for variant in _variants(name):
                table.setdefault(variant.lower(), c.alpha_2)
    for name, code in _MANUAL.items():
        table[name.lower()] = code
    return table


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country name ('Rusia' -> 'RU', 'AS' -> 'US')."""
    key = " ".join(name.split())
    if key in ("AS", "US", "UK", "RI"):  # short forms only when written in capitals
        return _MANUAL[key]
    if key.isupper() and len(key) <= 3 and key not in _MANUAL:
        return None
    lower = key.lower()
    if lower in ("as", "us", "uk", "ri"):
        return None
    return country_names().get(lower)
