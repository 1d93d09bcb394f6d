"""Publication dates: record date strings in every export format we have seen, and dates in text.

Indonesian outlets write dates many ways ("Diperbarui 18 Jun 2025, 14:05 WIB",
"Kompas.com- 18/06/2025, 21:35 WIB", "Senin, 16 Juni 2025 |15:20 WIB", "10/21/2025 20:43",
"Senin (22/9/2014)", "Sabtu (14/6)"). One tolerant scanner covers them all; the caller decides
where to look (record field versus text) so that a date the text merely mentions is not taken
for the publication date.

A parsed date is only kept when it is plausible (`is_plausible`): not before EARLIEST_DATE and
not after the run's reference time + FUTURE_SLACK. These bounds are the ones the batch quality
gate enforces (expectations.suites imports them from here): a value the gate would refuse is
dropped here, where the next source can still give the record a date, instead of keeping the
record's whole batch out of the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

__all__ = [
    "ParsedDate",
    "parse_record_date",
    "find_text_date",
    "infer_year",
    "EARLIEST_DATE",
    "EARLIEST_TIME",
    "FUTURE_SLACK",
    "latest_plausible",
    "is_plausible",
]

# Plausible publication dates (the batch gate checks the same bounds, critically).
EARLIEST_DATE = date(1900, 1, 1)  # older is a parse error
EARLIEST_TIME = datetime.combine(EARLIEST_DATE, time(), tzinfo=UTC)  # for published_at
FUTURE_SLACK = timedelta(days=1)  # after the run's time + this is in the future (WIB is UTC+7)

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip

WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "jum’at": 4,
    "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip

ZONES = {"WIB": 7, "WITA": 8, "WIT": 9, "UTC": 0, "GMT": 0}
WIB = timezone(timedelta(hours=7))

_WD = r"(?P<wd>Senin|Selasa|Rabu|Kamis|Jum['’]?at|Sabtu|Minggu|Ahad|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:\s*[,|]?\s*(?:pukul|pkl\.?|jam)?\s*(?P<hh>[012]?\d)[:.](?P<mm>[0-5]\d)(?:[:.](?P<ss>[0-5]\d))?\s*(?P<tz>WIB|WITA|WIT|UTC|GMT)?)?"

# "16 Juni 2025", "Senin, 16 Juni 2025 | 15:20 WIB", "Senin 16 Juni 2025"
_DMY_WORDS = re.compile(
    r"(?:" + _WD + r"\s*,?\s*)?(?P<d>[0-3]?\d)\s+" + _MON + r"\s+(?P<y>(?:19|20)\d\d)\b" + _TIME,
    re.IGNORECASE,
)
# "Senin (22/9/2014)", "Sabtu (14/6)", "(22/9/2014)"
_PAREN = re.compile(
    r"(?:"
    + _WD
    + r"\s*)?\(\s*(?P<d>[0-3]?\d)/(?P<m>[01]?\d)(?:/(?P<y>(?:19|20)?\d\d))?\s*\)"
    + _TIME,
    re.IGNORECASE,
)
# "18/06/2025, 21:35 WIB", "10/21/2025 20:43", "2025-06-18T21:35:00+07:00"
_NUMERIC = re.compile(
    r"(?P<a>[0-3]?\d)[/.-](?P<b>[0-3]?\d)[/.-](?P<y>(?:19|20)\d\d)" + _TIME, re.IGNORECASE
)
_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)"
    r"(?:[T ](?P<hh>[012]\d):(?P<mm>[0-5]\d)(?::(?P<ss>[0-5]\d)(?:\.\d+)?)?"
    r"(?P<off>Z|[+-]\d\d:?\d\d)?)?"
)

# A record date given as a number: Unix seconds or milliseconds (2001-09-09 to 2286).
_EPOCH = re.compile(r"(?P<s>\d{10}|\d{13})(?:\.\d+)?")


def latest_plausible(reference_time: datetime) -> datetime:
    """The latest plausible publication time for a run started at `reference_time` (aware,
    UTC; a naive reference time is taken as UTC)."""
    if reference_time.tzinfo is None:
        reference_time = reference_time.replace(tzinfo=UTC)
    return (reference_time + FUTURE_SLACK).astimezone(UTC)


@dataclass(frozen=True)
class ParsedDate:
    """A calendar date, an optional aware timestamp, and whether its year was guessed."""

    day: date
    at: datetime | None = None
    year_inferred: bool = False
    start: int = 0
    end: int = 0


def is_plausible(parsed: ParsedDate, latest: datetime | None) -> bool:
    """Neither before EARLIEST_DATE nor after `latest` (see `latest_plausible`; None: no upper
    bound). The calendar day is compared with `latest`'s UTC day, as the gate does."""
    if parsed.day < EARLIEST_DATE or (parsed.at is not None and parsed.at < EARLIEST_TIME):
        return False
    if latest is None:
        return True
    latest = latest if latest.tzinfo is not None else latest.replace(tzinfo=UTC)
    if parsed.day > latest.astimezone(UTC).date():
        return False
    return parsed.at is None or parsed.at <= latest


def _weekday(name: str | None) -> int | None:
    return WEEKDAYS.get(name.lower().replace("’", "'")) if name else None


def _stamp(day: date, m: re.Match[str]) -> datetime | None:
    """Attach the time of day when one was written; a bare time is taken as WIB."""
    hh = m.groupdict().get("hh")
    if hh is None:
        return None
    hour, minute = int(hh), int(m.group("mm"))
    second = int(m.group("ss") or 0)
    if hour > 23:
        return None
    zone = m.groupdict().get("tz")
    tz = timezone(timedelta(hours=ZONES[zone.upper()])) if zone else WIB
    return datetime.combine(day, time(hour, minute, second), tzinfo=tz)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def infer_year(month: int, day: int, weekday: int | None, reference: date) -> date | None:
    """Latest year, not after `reference`, on which day/month falls on `weekday`."""
    for year in range(reference.year, reference.year - 30, -1):
        cand = _safe_date(year, month, day)
        if cand is None or cand > reference:
            continue
        if weekday is None or cand.weekday() == weekday:
            return cand
    return None


def _from_words(m: re.Match[str]) -> ParsedDate | None:
    day = _safe_date(int(m.group("y")), MONTHS[m.group("mon").lower()], int(m.group("d")))
    if day is None:
        return None
    return ParsedDate(day, _stamp(day, m), False, m.start(), m.end())


def _from_paren(m: re.Match[str], reference: date | None) -> ParsedDate | None:
    d, mo, y = int(m.group("d")), int(m.group("m")), m.group("y")
    if y:
        year = int(y) if len(y) == 4 else 2000 + int(y)
        day = _safe_date(year, mo, d)
        return ParsedDate(day, _stamp(day, m), False, m.start(), m.end()) if day else None
    wd = _weekday(m.group("wd"))
    if wd is None or reference is None:
        return None  # "(14/6)" without a weekday is too weak to anchor a year
    day = infer_year(mo, d, wd, reference)
    return ParsedDate(day, _stamp(day, m), True, m.start(), m.end()) if day else None


def _from_numeric(m: re.Match[str], us_order: bool) -> ParsedDate | None:
    a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if a > 12:
        us_order = False
    elif b > 12:
        us_order = True
    month, d = (a, b) if us_order else (b, a)
    day = _safe_date(y, month, d)
    return ParsedDate(day, _stamp(day, m), False, m.start(), m.end()) if day else None


def _from_iso(m: re.Match[str]) -> ParsedDate | None:
    day = _safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if day is None:
        return None
    at = None
    if m.group("hh"):
        off = m.group("off")
        try:  # an impossible hour (25) or offset (+24:00, +99:99) loses the time, not the day
            if off in (None, ""):
                tz = WIB
            elif off == "Z":
                tz = UTC
            else:
                sign = -1 if off[0] == "-" else 1
                digits = off[1:].replace(":", "")
                tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
            at = datetime.combine(
                day, time(int(m.group("hh")), int(m.group("mm")), int(m.group("ss") or 0)),
                tzinfo=tz,
            )
        except ValueError:
            at = None
    return ParsedDate(day, at, False, m.start(), m.end())


def _from_epoch(m: re.Match[str]) -> ParsedDate:
    """Unix time in seconds (10 digits) or milliseconds (13), as APIs export it. The day
    is taken in WIB, the zone a time without one is read in: a story out at 06:00 WIB is
    dated that day, not the UTC day before."""
    seconds = int(m.group("s")) / (1000 if len(m.group("s")) == 13 else 1)
    at = datetime.fromtimestamp(seconds, UTC)
    return ParsedDate(at.astimezone(WIB).date(), at, False, m.start(), m.end())


def _looks_us_export(text: str) -> bool:
    """'10/21/2025 20:43': a bare M/D/YYYY H:MM, no comma, no zone, as spreadsheet exports write."""
    return (
        re.fullmatch(r"\s*\d{1,2}/\d{1,2}/\d{4}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*", text) is not None
    )


def parse_record_date(text: str | None, reference: date | None = None) -> ParsedDate | None:
    """Parse a record's date field in any of the formats the exports use."""
    if not text or not text.strip():
        return None
    text = " ".join(text.replace("\xa0", " ").split())
    if m := _EPOCH.fullmatch(text):
        return _from_epoch(m)
    if m := _ISO.search(text):
        return _from_iso(m)
    if m := _DMY_WORDS.search(text):
        return _from_words(m)
    if m := _NUMERIC.search(text):
        return _from_numeric(m, us_order=_looks_us_export(text))
    if m := _PAREN.search(text):
        return _from_paren(m, reference)
    return None


def _standalone(text: str) -> bool:
    """A paragraph that is nothing but a date (and maybe a weekday/time): a date line."""
    rest = _DMY_WORDS.sub("", text, count=1)
    rest = re.sub(
        r"[\s,|:\-–—()]+|Diperbarui|Dipublikasikan|Diterbitkan|Published|Updated",
        "",
        rest,
        flags=re.I,
    )
    return len(rest) <= 3


def _anchored(paragraphs: list[str], reference: date | None) -> list[ParsedDate]:
    """Weekday-anchored dates ("Senin (22/9/2014)", "Jumat, 13 Juni 2025") whose weekday agrees."""
    found: list[ParsedDate] = []
    for para in paragraphs:
        for rx in (_PAREN, _DMY_WORDS):
            for m in rx.finditer(para):
                if not m.group("wd"):
                    continue
                p = _from_paren(m, reference) if rx is _PAREN else _from_words(m)
                if p is None or p.day.weekday() != _weekday(m.group("wd")):
                    continue
                if reference is None or p.day <= reference + timedelta(days=1):
                    found.append(p)
    return found


def find_text_date(
    paragraphs: list[str],
    reference: date | None,
    lead: str | None = None,
    latest: datetime | None = None,
) -> ParsedDate | None:
    """The publication date a reader sees in the text, not any date the story mentions.

    Accepted, in order: a date written in the dateline (`lead`); a paragraph near the top or
    bottom that is only a date ("Kamis 6 November 2014"); else the latest weekday-anchored date
    of the body ("kata dia, Senin (22/9/2014)"), the convention for the day of reporting, not
    after the reference date. Bare dates ("pada 12 Juni 2025") are never taken: stories mention
    them for other events. Every candidate must also be plausible (`is_plausible` with
    `latest`, the latest plausible time of the run); an implausible one is passed over.
    """
    if lead:
        for rx in (_DMY_WORDS, _PAREN):
            if m := rx.search(lead):
                found = _from_words(m) if rx is _DMY_WORDS else _from_paren(m, reference)
                if found and is_plausible(found, latest):
                    return found
    edges = paragraphs[:3] + paragraphs[-3:]
    for para in edges:
        if len(para) <= 60 and (m := _DMY_WORDS.search(para)) and _standalone(para):
            found = _from_words(m)
            if (
                found
                and (reference is None or found.day <= reference + timedelta(days=1))
                and is_plausible(found, latest)
            ):
                return found
    anchored = [p for p in _anchored(paragraphs, reference) if is_plausible(p, latest)]
    return max(anchored, key=lambda p: p.day) if anchored else None
