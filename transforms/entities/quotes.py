"""Quotations and who said them.

Indonesian news attributes a quote after it ('"...," kata Shaheen.', '"...," ujar Menteri X'),
with a pronoun suffix ('"...," imbuhnya.' -> the previous speaker), with a description
('"...," jelas pejabat itu.' -> the official described earlier), or before it
('Ia mengatakan, "..."', 'Menurut X, "..."'). Speakers that overlap a person entity take its
canonical name, so "kata Kerry" becomes "John Kerry" when the story named him in full.
"""

from __future__ import annotations

import re

from transforms.entities.gazetteer import words as wordset

__all__ = ["extract_quotes", "SPEECH_VERBS"]

SPEECH_VERBS = tuple(
    wordset(
        "kata ujar ucap tutur jelas tegas imbuh ungkap papar terang sebut lanjut tambah pungkas "
        "tandas tulis bilang seru cetus timpal katakan aku kilah akui sambung urai beber"
    )
)
_VERB = "|".join(sorted(SPEECH_VERBS, key=len, reverse=True))
# Title abbreviations whose period does not end the speaker phrase ("kata dr. Budi").
_ABBR = r"(?:\b(?:dr|Dr|Prof|prof|Ir|Drs|H|Hj|KH|Mr|Mrs|Ms|St|Sdr|Jr)\.\s*)"
_QUOTE = re.compile(r"[\"“](?P<text>[^\"“”\n]{8,}?)[\"”]")
_AFTER = re.compile(
    rf"^\s*[,.!?]?\s*(?P<verb>{_VERB})(?P<nya>nya)?\b\s*(?P<who>(?:{_ABBR}|[^,.;:!?\n\"“”]){{0,80}})",
    re.I,
)
_BEFORE_VERBS = (
    r"mengatakan|menyatakan|berkata|menegaskan|menjelaskan|mengungkapkan|menuturkan|"
    r"menambahkan|menyebut|menyebutkan|bilang|mengucapkan|menulis|berujar|menekankan|"
    r"mengingatkan|berpesan|menilai"
)
_BEFORE = re.compile(
    rf"(?:(?P<who>[^,.;:!?\n\"“”]{{1,80}}?)\s+(?:{_BEFORE_VERBS})(?:\s+bahwa)?|"
    rf"(?i:menurut)\s+(?P<who2>[^,.;:!?\n\"“”]{{1,80}}?)|"
    rf"(?i:kata|ujar)\s+(?P<who3>[^,.;:!?\n\"“”]{{1,80}}?))\s*[,:]?\s*$"
)
# Every form of `_BEFORE` contains one of these words: heads without any skip its slow search.
_BEFORE_HINT = re.compile(rf"{_BEFORE_VERBS}|(?i:menurut|kata|ujar)")
# Words that end a speaker phrase: "kata Budi dalam keterangannya", "ujar Ani di Jakarta".
_STOP = re.compile(
    r"\s+(?:dalam|di|kepada|kpd|saat|ketika|pada|usai|seusai|seperti|sebagaimana|melalui|lewat|"
    r"via|dilansir|dikutip|mengutip|sebelumnya|kemarin|hari|Senin|Selasa|Rabu|Kamis|Jumat|"
    r"Jum'at|Sabtu|Minggu|beberapa|sambil|sembari|menjelang|setelah|sebelum|tadi|dengan)\b.*$",
    re.S,
)
_PRONOUNS = {"dia", "ia", "beliau", "nya", "saya", "aku"}
_DESCRIBED = re.compile(r"^(?P<noun>[a-z][\w ]*?)\s+(?:itu|tersebut|ini)$")


def _trim(who: str) -> str:
    who = _STOP.sub("", " ".join(who.split())).strip(" ,.-–—")
    return who


def _person_at(entities: list[dict], start: int, end: int) -> str | None:
    """Canonical name of a person entity inside [start, end)."""
    for ent in entities:
        if ent["kind"] == "person" and ent["start"] >= start and ent["end"] <= end:
            return ent["canonical"]
    return None


def _by_name(entities: list[dict], who: str) -> str | None:
    """Canonical name of a person whose text or canonical contains the phrase's last word."""
    words = who.split()
    if not words or not words[-1][:1].isupper():
        return None
    for ent in entities:
        if ent["kind"] == "person" and words[-1] in ent["canonical"].split():
            return ent["canonical"]
    return None


def _by_earlier_text(body: str, who: str, before: int) -> str | None:
    """'Ushakov' -> 'Yuri Ushakov' when the story wrote the longer capitalised name earlier."""
    if len(who.split()) != 1 or not who[:1].isupper():
        return None
    found = re.findall(rf"((?:[A-Z][\w'’-]+\s+){{1,3}}){re.escape(who)}\b", body[:before])
    if not found:
        return None
    words = found[0].split()
    while words and words[0].lower() in _TITLE_WORDS:
        words = words[1:]
    return " ".join([*words, who]) if words else None


_TITLE_WORDS = wordset(
    "presiden menteri gubernur bupati wali kota penasihat juru bicara senator jenderal ketua "
    "direktur kepala pejabat kremlin gedung putih luar negeri dalam pak bu bapak ibu dr prof"
)


def _described(body: str, noun: str, before: int) -> str | None:
    """'pejabat itu' -> the earlier description it refers to ('seorang pejabat senior AS')."""
    found = list(re.finditer(rf"\b{re.escape(noun)}\b[^,.;:\"“”\n]*", body[:before]))
    if not found:
        return None
    m = found[-1]
    phrase = _trim(m.group())
    phrase = re.split(r"\s+(?:yang|mengatakan|menyatakan|berkata|menjelaskan)\b", phrase)[0]
    return phrase if phrase and phrase != noun else None


def _recent_person(entities: list[dict], after: int, before: int) -> str | None:
    """The last person named between the previous attribution and this quote."""
    names = [e for e in entities if e["kind"] == "person" and after <= e["start"] < before]
    return names[-1]["canonical"] if names else None


def _resolve(
    who: str,
    start: int,
    body: str,
    entities: list[dict],
    previous: str | None,
    at: int,
    since: int,
) -> str | None:
    """Turn a speaker phrase into a name: entity, pronoun -> previous speaker, description."""
    who = _trim(who)
    low = who.lower()
    if not who or low in _PRONOUNS:
        return _recent_person(entities, since, at) or previous
    if name := _person_at(entities, start, start + max(len(who), 1)):
        return name
    if name := _by_name(entities, who):
        return name
    if name := _by_earlier_text(body, who, at):
        return name
    if m := _DESCRIBED.match(low):
        return _described(body, m.group("noun"), at) or who
    return who if len(who.split()) <= 8 else None


def _speaker_after(
    body: str, q: re.Match[str], entities: list[dict], previous: str | None, since: int
) -> tuple[int, str | None]:
    """(end of the attribution or 0 if none, speaker) for '"...," kata X' forms."""
    tail = body[q.end() : q.end() + 120]
    m = _AFTER.match(tail)
    if not m:
        return 0, None
    end = q.end() + m.end()
    if m.group("nya"):
        return end, _recent_person(entities, since, q.start()) or previous
    who_start = q.end() + m.start("who")
    return end, _resolve(m.group("who"), who_start, body, entities, previous, q.start(), since)


def _speaker_before(
    body: str, q: re.Match[str], entities: list[dict], previous: str | None, since: int
) -> str | None:
    line_start = body.rfind("\n", 0, q.start()) + 1
    head = body[line_start : q.start()]
    sentence_start = max(head.rfind(". "), head.rfind("\n")) + 1
    head = head[sentence_start:]
    m = _BEFORE.search(head) if _BEFORE_HINT.search(head) else None
    if not m:
        return None
    group = next(g for g in ("who", "who2", "who3") if m.group(g))
    who_start = line_start + sentence_start + m.start(group)
    return _resolve(m.group(group), who_start, body, entities, previous, q.start(), since)


def extract_quotes(body: str, entities: list[dict]) -> list[dict]:
    """Quoted statements (text without the marks; start/end of that text) with speakers."""
    out: list[dict] = []
    previous: str | None = None
    since = 0
    for q in _QUOTE.finditer(body):
        start, end = q.start("text"), q.end("text")
        while end > start and body[end - 1] in " ,":
            end -= 1
        while start < end and body[start] == " ":
            start += 1
        if not any(ch.isalnum() for ch in body[start:end]):
            continue  # marks around nothing but punctuation (" , , , "): not a quote
        attributed, speaker = _speaker_after(body, q, entities, previous, since)
        if not attributed:
            speaker = _speaker_before(body, q, entities, previous, since)
        if speaker is None and not attributed and len(q.group("text").split()) < 4:
            continue  # a short quoted term ("istilah 'X'"), not a statement
        if speaker:
            previous = speaker
        since = max(q.end(), attributed)
        out.append({"speaker": speaker, "text": body[start:end], "start": start, "end": end})
    return out
