"""Datelines: the city (and often the outlet) that opens a story, cut from its first sentence.

Forms seen in Indonesian news: "JAKARTA, KOMPAS.com -", "WASHINGTON -", "MOSKOW (ANTARA) -",
"WASHINGTON (example.com) -", "Liputan6.com, Jakarta -", "TEMPO.CO,Jakarta-",
"REPUBLIKA.CO.ID, CIREBON--", "KOMPAS.com -", "Example-online.com -", glued forms such as
"Liputan6.com, JakartaKita ..." and a date inside the lead ("JAKARTA, Senin (22/9/2014) -").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.entities.countries import country_code
from transforms.entities.gazetteer import PLACES

__all__ = ["Dateline", "parse_dateline", "normalise_city"]

_DASH = r"\s*[-–—]{1,3}\s*"
# A host written in the text: "KOMPAS.com", "TEMPO.CO", "Example-online.com", "Liputan6.com".
_HOSTNAME = r"[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z]{2,6}){1,2}"
_AGENCY = r"ANTARA|Antara|REUTERS|Reuters|AFP|AP|ANTARA\s+News|Xinhua|XINHUA|Bernama|BERNAMA|Anadolu|ANADOLU|Sputnik|TASS|RIA\s+Novosti|Arrahmah"
_OUTLET = rf"(?:{_HOSTNAME}|{_AGENCY})"
_CITY_CAPS = r"[A-Z][A-Z'’.]+(?:[ -][A-Z][A-Z'’.]+){0,3}"
_CITY_TITLE = r"[A-Z][a-z'’]+(?:\s[A-Z][a-z'’]+){0,2}"
_DATE_BIT = r"(?:\s*,?\s*(?P<date>(?:Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu)?\s*(?:\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)|\d{1,2}\s+[A-Za-z]+\s+\d{4})))?"

_FORMS = [
    # JAKARTA, KOMPAS.com -   /  NEW YORK, KOMPAS.com-
    re.compile(rf"^(?P<city>{_CITY_CAPS})\s*,\s*(?P<outlet>{_OUTLET}){_DATE_BIT}{_DASH}"),
    # WASHINGTON (example.com) -  /  JAKARTA (ANTARA) -
    re.compile(
        rf"^(?P<city>{_CITY_CAPS}|{_CITY_TITLE})\s*\(\s*(?P<outlet>{_OUTLET})\s*\){_DATE_BIT}{_DASH}"
    ),
    # Liputan6.com, Jakarta -  /  TEMPO.CO,Jakarta-  /  REPUBLIKA.CO.ID, CIREBON --
    re.compile(
        rf"^(?P<outlet>{_HOSTNAME})\s*,\s*(?P<city>{_CITY_CAPS}|{_CITY_TITLE}){_DATE_BIT}{_DASH}"
    ),
    # Liputan6.com, JakartaKita semua ...  (dash lost in scraping: city glued to the text)
    re.compile(rf"^(?P<outlet>{_HOSTNAME})\s*,\s*(?P<city>[A-Z][a-z]+)(?=[A-Z][a-z]|[A-Z]{{2}})"),
    # JAKARTA, Senin (22/9/2014) -   /   WASHINGTON -   /  JAKARTA–  /  JAKARTA-Presiden
    re.compile(rf"^(?P<city>{_CITY_CAPS}){_DATE_BIT}(?P<dash>{_DASH})(?=\S)"),
    # KOMPAS.com -  /  Example-online.com -
    re.compile(rf"^(?P<outlet>{_HOSTNAME}){_DASH}"),
]

# All-caps words that open a sentence but are not places ("PT", "KPK").
_NOT_CITIES = {
    "PT",
    "CV",
    "TBK",
    "KPK",
    "DPR",
    "MPR",
    "TNI",
    "POLRI",
    "BNN",
    "BI",
    "OJK",
    "UU",
    "RI",
}


@dataclass(frozen=True)
class Dateline:
    """What the lead of a story said: the city, the outlet name, a date; and the text after it."""

    city: str | None
    outlet: str | None
    date_text: str | None
    rest: str
    raw: str


def normalise_city(city: str) -> str:
    """'NEW YORK' -> 'New York', 'JAKARTA' -> 'Jakarta'; mixed-case names keep their case."""
    city = " ".join(city.strip(" ,.").split())
    if city.isupper():
        return " ".join("-".join(p.capitalize() for p in w.split("-")) for w in city.split())
    return city


def _clean_lead(text: str) -> str:
    return text.replace("\xa0", " ").lstrip()


_SENTENCE_START = re.compile(r"[A-Z][a-z]")
_WORD = re.compile(r"[A-Za-z]+")


def _glued_dateline(city: str | None, date: str | None, after: str) -> bool:
    """A hyphen glued on both sides ends a dateline only before a capitalised word and after
    a place: a known one, a name of two words, or a capitalised word of four letters or more.
    "JAKARTA-Presiden", "JEPARA-Persijap" and "NEW YORK-Saham" are datelines; "COVID-19",
    "TEKA-teki", "AS-China", "ASEAN-Jepang" and "PDI-P" open ordinary sentences."""
    if not city:
        return False
    name = city.strip(" ,.")
    if date is not None:
        return True
    next_word = _WORD.match(after)
    if next_word and (next_word.group().lower() in PLACES
                      or country_code(next_word.group()) is not None):
        return False  # two places joined: "ASEAN-Jepang", "JAKARTA-Bandung" (a route)
    if name.lower() in PLACES or " " in name:
        return True
    return len(name) >= 4 and _SENTENCE_START.match(after) is not None


def parse_dateline(paragraph: str) -> Dateline | None:
    """Recognise a dateline at the start of the first paragraph, if there is one."""
    text = _clean_lead(paragraph)
    for rx in _FORMS:
        m = rx.match(text)
        if not m:
            continue
        groups = m.groupdict()
        city = groups.get("city")
        if city and city.strip(" ,.").upper() in _NOT_CITIES:
            continue
        if city and len(city) > 40:
            continue
        if groups.get("dash") == "-" and not _glued_dateline(city, groups.get("date"),
                                                             text[m.end():]):
            continue
        rest = text[m.end() :].lstrip(" -–—,")
        if not rest and "\n" not in paragraph:
            rest = ""
        return Dateline(
            city=normalise_city(city) if city else None,
            outlet=groups.get("outlet"),
            date_text=groups.get("date"),
            rest=rest,
            raw=text[: m.end()].strip(),
        )
    return None
