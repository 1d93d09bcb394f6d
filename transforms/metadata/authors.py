"""Authors: byline fields, labelled byline lines, and initials or names closing the story."""

from __future__ import annotations

import re

__all__ = ["authors_from_field", "split_bylines", "AGENCY_CODES"]

# Desk suffixes after a name: "Retno Ayuningrum -detikFinance", "Afif Farhan -Sepakbola".
_DESK = re.compile(r"\s+-\s*\S+$|\s*-\s*detik\w*$", re.I)
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\bdan\b|\band\b)\s*", re.I)
_HOSTLIKE = re.compile(r"^[\w-]+(\.[a-z]{2,6})+$", re.I)
_LABEL = re.compile(
    r"(?P<label>Penulis|Reporter|Editor|Penyunting|Redaktur|Pewarta|Kontributor|Wartawan|Oleh|Laporan)"
    r"\s*:\s*(?P<names>[^|:]+?)(?=\s*(?:\||$|\b(?:Penulis|Reporter|Editor|Penyunting|Redaktur|Pewarta)\s*:))",
    re.I,
)
# What a byline line starts with (the labels above, "Oleh"): most paragraphs fail this at once.
_BYLINE_START = re.compile(
    r"\s*(?:Penulis|Reporter|Editor|Penyunting|Redaktur|Pewarta|Kontributor|Wartawan|Oleh|Laporan)",
    re.I,
)
# "Oleh Emerson Yuntho": an opinion byline without a colon.
_OLEH = re.compile(r"^Oleh\s+(?P<names>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})$")
# "(esn)", "(rzy/ega)", "(Bahry)", "(Arief Setyadi )" closing the story.
_TRAILING = re.compile(
    r"(?:^|(?<=[.!?\"”’'])\s*)\((?P<names>(?:[a-z]{2,5}|[A-Z]{2,4})(?:\s*/\s*[a-zA-Z]{2,5})*"
    r"|[A-Z][a-z'’]+(?:\s+[A-Z][a-z.'’]+){0,3}\s*)\)\s*$"
)
# Credit codes that name a news agency, not a writer: "(esn/ant)".
AGENCY_CODES = {"ant": "Antara", "antara": "Antara", "rtr": "Reuters", "afp": "AFP", "ap": "AP"}


def _clean_name(name: str) -> str | None:
    name = _DESK.sub("", " ".join(name.split())).strip(" .,-")
    if not name or _HOSTLIKE.match(name) or len(name) > 60:
        return None
    return name


def authors_from_field(text: str | None) -> list[str] | None:
    """Split a byline field into names, dropping desk suffixes and outlet names ('Tempo.co')."""
    if not text or not text.strip():
        return None
    names = []
    for part in _SPLIT.split(text):
        name = _clean_name(part)
        if name and name not in names:
            names.append(name)
    return names or None


def _byline_names(paragraph: str) -> list[str] | None:
    """Names from a short labelled byline line, or None if the line is not a byline."""
    if not _BYLINE_START.match(paragraph):
        return None
    line = " ".join(paragraph.split())
    if len(line) > 160:
        return None
    if m := _OLEH.match(line):
        return authors_from_field(m.group("names"))
    found = list(_LABEL.finditer(line))
    if not found or found[0].start() > 0:
        return None
    names: list[str] = []
    for m in found:
        for name in authors_from_field(m.group("names")) or []:
            if name not in names:
                names.append(name)
    return names


def _trailing_credit(paragraph: str) -> tuple[list[str], str] | None:
    """Initials or a name in parentheses ending the story; returns (names, paragraph without it)."""
    if not paragraph.rstrip().endswith(")"):
        return None  # the pattern ends in ")" and trailing space: skip scanning the paragraph
    m = _TRAILING.search(paragraph.rstrip())
    if not m:
        return None
    parts = [p.strip() for p in m.group("names").split("/")]
    names = [p for p in parts if p.lower() not in AGENCY_CODES and p]
    return names, paragraph.rstrip()[: m.start()].rstrip()


def split_bylines(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Find byline lines near the top and bottom and trailing credits; return (names, body)."""
    names: list[str] = []
    body = list(paragraphs)
    edge = {i for i in range(min(3, len(body)))} | {
        i for i in range(max(0, len(body) - 5), len(body))
    }
    keep = []
    for i, para in enumerate(body):
        found = _byline_names(para) if i in edge else None
        if found is None:
            keep.append(para)
        else:
            names.extend(n for n in found if n not in names)
    body = keep
    if body:
        credit = _trailing_credit(body[-1])
        if credit:
            found, rest = credit
            names.extend(n for n in found if n not in names)
            body = body[:-1] + ([rest] if rest else [])
    return names, body
