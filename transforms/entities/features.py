"""Tokens with offsets and CRF token features (word shape, affixes, neighbours, gazetteers).

Features that depend only on a word are computed once per distinct word and cached together
with their neighbour-prefixed copies, so a token's feature list is a few list concatenations:
that keeps tagging fast enough for batch use.
"""

from __future__ import annotations

import re

from transforms.entities.countries import country_names
from transforms.entities.gazetteer import (
    ORG_ACRONYMS,
    ORG_HEADS,
    PERSON_TITLES,
    PLACE_CUES,
    PLACE_HEADS,
    PLACES,
)
from transforms.entities.gazetteer import words as wordset

__all__ = ["tokenize", "sentence_features", "TOKEN"]

TOKEN = re.compile(r"[A-Z](?:\.[A-Z])+\.?|\w+(?:[-'’&]\w+)*|[^\w\s]")
_CACHE: dict[str, tuple[list[str], ...]] = {}
_CACHE_LIMIT = 300_000
_OFFSETS = (-2, -1, 1, 2)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Word and punctuation tokens with character offsets."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", word)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)


def _word_features(word: str) -> list[str]:
    """Features of a word alone; also used, prefixed, for its neighbours."""
    low = word.lower()
    feats = [f"w={low}", f"sh={_shape(word)}"]
    if word[:1].isupper():
        feats.append("title")
    if word.isupper() and len(word) > 1:
        feats.append("upper")
    if any(ch.isdigit() for ch in word):
        feats.append("digit")
    if low in PERSON_TITLES:
        feats.append("g:per_title")
    if low in ORG_HEADS:
        feats.append("g:org_head")
    if low in ORG_ACRONYMS:
        feats.append("g:org_acr")
    if low in PLACE_HEADS:
        feats.append("g:place_head")
    if low in PLACE_CUES:
        feats.append("g:place_cue")
    if low in PLACES:
        feats.append("g:place")
    if low in country_names():
        feats.append("g:country")
    return feats


def _own_features(word: str) -> list[str]:
    low = word.lower()
    feats = [
        "bias",
        f"p2={low[:2]}",
        f"p3={low[:3]}",
        f"s2={low[-2:]}",
        f"s3={low[-3:]}",
        f"len={min(len(word), 8)}",
    ]
    if "-" in word:
        feats.append("hyphen")
    if low.endswith("nya"):
        feats.append("nya")
    return feats


def _entry(word: str) -> tuple[list[str], ...]:
    """(own features, then the word features prefixed for offsets -2, -1, +1, +2)."""
    hit = _CACHE.get(word)
    if hit is not None:
        return hit
    base = _word_features(word)
    own = base + _own_features(word)
    shifted = tuple([f"{off:+d}:{f}" for f in base] for off in _OFFSETS)
    if len(_CACHE) > _CACHE_LIMIT:
        _CACHE.clear()
    entry = (own, *shifted)
    _CACHE[word] = entry
    return entry


_PARTICLES = wordset("bin binti van der de al el da di von")


def _cap_runs(words: list[str]) -> list[str]:
    """Position of each word in its run of capitalised words: B/I/E/S, or O (helps boundaries)."""
    caps = [
        w[:1].isupper() or (w in _PARTICLES and 0 < i < len(words) - 1) for i, w in enumerate(words)
    ]
    out = ["O"] * len(words)
    i = 0
    while i < len(words):
        if not caps[i] or words[i] in _PARTICLES:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and caps[j + 1]:
            j += 1
        while j > i and words[j] in _PARTICLES:
            j -= 1
        if i == j:
            out[i] = "S"
        else:
            out[i] = "B"
            out[j] = "E"
            for k in range(i + 1, j):
                out[k] = "I"
        out[i] = f"{out[i]}{min(j - i + 1, 4)}"
        i = j + 1
    return out


def sentence_features(words: list[str]) -> list[list[str]]:
    """CRF feature lists for one sentence of words."""
    entries = [_entry(w) for w in words]
    runs = _cap_runs(words)
    n = len(words)
    out: list[list[str]] = []
    for i in range(n):
        feats = list(entries[i][0])
        feats.append(f"run={runs[i]}")
        if i == 0:
            feats.append("BOS")
        elif words[i][:1].isupper():
            feats.append("cap_inside")
            feats.append(f"cap_after={words[i - 1].lower()}")
        if i == n - 1:
            feats.append("EOS")
        for k, off in enumerate(_OFFSETS, start=1):
            j = i + off
            if 0 <= j < n:
                feats.extend(entries[j][k])
        if i > 0:
            feats.append(f"bi={words[i - 1].lower()}|{words[i].lower()}")
        out.append(feats)
    return out
