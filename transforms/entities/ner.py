"""Named entities in a news body: CRF tagging, spans with offsets, in-document canonical names.

The CRF model (transforms/models/ner_crf.crfsuite, trained by scripts/train_ner.py on NERGrit
and idner-news-2k) is loaded lazily once per process; nothing is downloaded.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pycrfsuite

from transforms.entities.countries import country_code
from transforms.entities.features import sentence_features, tokenize
from transforms.entities.gazetteer import PERSON_TITLES, PLACES
from transforms.entities.gazetteer import words as wordset
from transforms.entities.iob import read_iob, score_spans, spans

__all__ = ["MODEL_PATH", "use_model", "tag_words", "extract_entities", "score_iob_file"]

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "ner_crf.crfsuite"
_MAX_SENTENCE = 120
_lock = threading.Lock()
_state: dict[str, object] = {"path": MODEL_PATH, "tagger": None}
_SENT_END = {".", "!", "?"}
_CLOSERS = {'"', "”", "’", "'", ")"}


def use_model(path: str | Path) -> None:
    """Point the extractor at another model file (for training and experiments)."""
    with _lock:
        _state["path"] = Path(path)
        _state["tagger"] = None


def _tagger() -> pycrfsuite.Tagger:
    tagger = _state["tagger"]
    if tagger is None:
        with _lock:
            if _state["tagger"] is None:
                t = pycrfsuite.Tagger()
                t.open(str(_state["path"]))
                _state["tagger"] = t
            tagger = _state["tagger"]
    return tagger  # type: ignore[return-value]


def tag_words(words: list[str]) -> list[str]:
    """IOB tags (B-person, I-location, ...) for one sentence of words."""
    if not words:
        return []
    return list(_tagger().tag(sentence_features(words)))


def _sentences(tokens: list[tuple[str, int, int]], text: str) -> list[list[tuple[str, int, int]]]:
    """Split tokens at sentence ends and paragraph breaks; cap very long runs."""
    out: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    for i, tok in enumerate(tokens):
        if cur and "\n" in text[cur[-1][2] : tok[1]]:
            out.append(cur)
            cur = []
        cur.append(tok)
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        ends = tok[0] in _SENT_END and (not nxt or nxt[:1].isupper() or nxt in _CLOSERS)
        if ends and nxt not in _CLOSERS or len(cur) >= _MAX_SENTENCE:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _raw_entities(body: str) -> list[dict]:
    tokens = tokenize(body)
    ents: list[dict] = []
    for sent in _sentences(tokens, body):
        tags = tag_words([t[0] for t in sent])
        for start, end, kind in sorted(spans(tags)):
            s, e = sent[start][1], sent[end - 1][2]
            ents.append({"kind": kind, "text": body[s:e], "start": s, "end": e})
    ents = _split_title_place(ents, body)
    ents = _title_place_name(ents, tokens, body)
    if RULES["countries"]:
        ents = _add_countries(ents, tokens, body)
    return _propagate(ents, tokens, body) if RULES["propagate"] else ents


RULES = {"countries": True, "propagate": True}
# Words after which a country name is a place, not an adjective ("turis Tiongkok").
_COUNTRY_CUES = wordset("di ke dari negara negeri kunjungan menuju asal wilayah perbatasan")


def _add_countries(ents: list[dict], tokens: list[tuple[str, int, int]], body: str) -> list[dict]:
    """Country names the model missed ('AS', 'Amerika Serikat', 'Rusia') are locations."""
    covered = bytearray(len(body) + 1)
    for ent in ents:
        covered[ent["start"] : ent["end"]] = b"\x01" * (ent["end"] - ent["start"])
    added = []
    i = 0
    while i < len(tokens):
        word, s, _ = tokens[i]
        if not word[:1].isupper() or covered[s]:
            i += 1
            continue
        for k in (3, 2, 1):
            if i + k > len(tokens):
                continue
            e = tokens[i + k - 1][2]
            text = body[s:e]
            prev = tokens[i - 1][0].lower() if i else ""
            cued = prev in _COUNTRY_CUES or prev in PERSON_TITLES
            if (
                cued
                and " ".join(text.split()) == text
                and country_code(text)
                and not any(covered[s:e])
            ):
                added.append({"kind": "location", "text": text, "start": s, "end": e})
                i += k - 1
                break
        i += 1
    return sorted(ents + added, key=lambda x: x["start"])


_DIRECTIONS = wordset("barat timur utara selatan tengah raya")


def _place_prefix(words: list[str]) -> int:
    """Number of leading words that name a country or a listed place ('Jawa Barat' -> 2)."""
    if country_code(" ".join(words)):
        return 0
    for k in (3, 2, 1):
        if len(words) <= k:
            continue
        head = " ".join(words[:k])
        if country_code(head):
            return k
        low = [w.lower() for w in words[:k]]
        if low[0] in PLACES and all(w in _DIRECTIONS for w in low[1:]):
            return k
    return 0


_OFFICES = wordset(
    "presiden wapres menteri menlu menhan gubernur wagub bupati wabup walkot pm perdana raja "
    "ratu kanselir kapolda kapolres pangdam dubes"
)


def _title_place_name(
    ents: list[dict], tokens: list[tuple[str, int, int]], body: str
) -> list[dict]:
    """'Gubernur Jawa Barat Dedi Mulyadi' the model missed: office, place, then a name."""
    covered = bytearray(len(body) + 1)
    for ent in ents:
        covered[ent["start"] : ent["end"]] = b"\x01" * (ent["end"] - ent["start"])
    added: list[dict] = []
    for i, (word, _, _) in enumerate(tokens[:-2]):
        if word.lower() not in _OFFICES:
            continue
        j = i + 1
        while (
            j < len(tokens)
            and j - i <= 6
            and tokens[j][0][:1].isupper()
            and not covered[tokens[j][1]]
        ):
            j += 1
        run = tokens[i + 1 : j]
        k = _place_prefix([t[0] for t in run]) if len(run) >= 2 else 0
        if not k or j - i - 1 - k > 3:
            continue
        head, tail = run[:k], run[k:]
        added.append(
            {
                "kind": "location",
                "text": body[head[0][1] : head[-1][2]],
                "start": head[0][1],
                "end": head[-1][2],
            }
        )
        added.append(
            {
                "kind": "person",
                "text": body[tail[0][1] : tail[-1][2]],
                "start": tail[0][1],
                "end": tail[-1][2],
            }
        )
    return sorted(ents + added, key=lambda x: x["start"]) if added else ents


def _split_title_place(ents: list[dict], body: str) -> list[dict]:
    """'Presiden [Rusia Vladimir Putin]' -> location 'Rusia' + person 'Vladimir Putin'.

    The CRF often runs an office's country or province into the holder's name; after a
    person title, a leading place name followed by capitalised words is split off.
    """
    out = []
    for ent in ents:
        words = ent["text"].split()
        before = body[max(0, ent["start"] - 40) : ent["start"]].split()
        titled = any(w.lower().strip(",") in PERSON_TITLES for w in before[-4:])
        k = _place_prefix(words) if titled and len(words) >= 2 else 0
        if not k or not all(w[:1].isupper() for w in words[k:]):
            out.append(ent)
            continue
        head = " ".join(words[:k])
        head_end = (
            ent["start"] + body[ent["start"] : ent["end"]].index(words[k - 1]) + len(words[k - 1])
        )
        tail_start = body.index(words[k], head_end)
        out.append({"kind": "location", "text": head, "start": ent["start"], "end": head_end})
        out.append(
            {
                "kind": "person",
                "text": body[tail_start : ent["end"]],
                "start": tail_start,
                "end": ent["end"],
            }
        )
    return out


def _propagate(ents: list[dict], tokens: list[tuple[str, int, int]], body: str) -> list[dict]:
    """One sense per document: untagged repeats of a tagged name, and lone surnames, count too.

    "Putin" alone in a sentence the model missed is a person when the story named
    "Vladimir Putin"; a place or organisation tagged once is the same kind elsewhere.
    """
    covered = [False] * (len(body) + 1)
    for ent in ents:
        for i in range(ent["start"], ent["end"]):
            covered[i] = True
    lookup: dict[str, str] = {}
    for ent in ents:
        words = ent["text"].split()
        if ent["kind"] == "person" and len(words) >= 2:
            for w in words:
                if len(w) > 2 and w[:1].isupper() and w.lower() not in _NOT_NAMES:
                    lookup.setdefault(w, "person")
        if len(words) == 1 and ent["text"][:1].isupper() and len(ent["text"]) > 2:
            lookup.setdefault(ent["text"], ent["kind"])
    added = []
    for word, s, e in tokens:
        kind = lookup.get(word)
        if kind and not covered[s]:
            added.append({"kind": kind, "text": word, "start": s, "end": e})
    return sorted(ents + added, key=lambda x: x["start"])


_NOT_NAMES = wordset("Bin Binti Van Der Al El De Da Di Haji Hajjah Raden Mas")


_ACRONYM = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9&.-]{1,12})\s*\)")


def _link(ents: list[dict], body: str) -> None:
    """Set `canonical`: later short person mentions -> full name; acronyms -> expanded name."""
    fulls: dict[str, list[list[str]]] = {"person": [], "organization": [], "location": []}
    alias: dict[tuple[str, str], str] = {}
    for ent in ents:
        ent["canonical"] = ent["text"]
        if ent["kind"] in ("organization", "location") and (m := _ACRONYM.match(body, ent["end"])):
            alias[(ent["kind"], m.group(1))] = ent["text"]
    for ent in sorted(ents, key=lambda x: -len(x["text"].split())):
        words = ent["text"].split()
        if ent["kind"] == "person":
            for full in fulls["person"]:
                if len(full) > len(words) and all(w in full for w in words):
                    ent["canonical"] = " ".join(full)
                    break
            else:
                fulls["person"].append(words)
        elif (ent["kind"], ent["text"]) in alias and alias[(ent["kind"], ent["text"])] != ent[
            "text"
        ]:
            ent["canonical"] = alias[(ent["kind"], ent["text"])]


def extract_entities(body: str) -> list[dict]:
    """Entities with kind, text, canonical, country_code, start, end (offsets into `body`)."""
    ents = _raw_entities(body)
    _link(ents, body)
    out = []
    for ent in ents:
        code = country_code(ent["canonical"]) if ent["kind"] == "location" else None
        out.append(
            {
                "kind": ent["kind"],
                "text": ent["text"],
                "canonical": ent["canonical"],
                "country_code": code,
                "start": ent["start"],
                "end": ent["end"],
            }
        )
    return out


def _token_spans(words: list[str]) -> set[tuple[int, int, str]]:
    """Run the full extractor (model + rules) on a pre-tokenised sentence; token-index spans."""
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    text = " ".join(words)
    index = {s: i for i, s in enumerate(starts)}
    ends = {s + len(w): i for i, (s, w) in enumerate(zip(starts, words, strict=True))}
    out = set()
    for ent in _raw_entities_tokens(words, starts, text):
        if ent["start"] in index and ent["end"] in ends:
            out.add((index[ent["start"]], ends[ent["end"]] + 1, ent["kind"]))
    return out


def _raw_entities_tokens(words: list[str], starts: list[int], text: str) -> list[dict]:
    tokens = [(w, s, s + len(w)) for w, s in zip(words, starts, strict=True)]
    tags = tag_words(words)
    ents = [
        {
            "kind": k,
            "text": text[tokens[a][1] : tokens[b - 1][2]],
            "start": tokens[a][1],
            "end": tokens[b - 1][2],
        }
        for a, b, k in sorted(spans(tags))
    ]
    ents = _split_title_place(ents, text) if RULES.get("split", True) else ents
    ents = _title_place_name(ents, tokens, text)
    if RULES["countries"]:
        ents = _add_countries(ents, tokens, text)
    return _propagate(ents, tokens, text) if RULES["propagate"] else ents


def score_iob_file(path: str | Path) -> dict:
    """Entity-level P/R/F1 per kind, macro and micro F1 of the extractor on an IOB file.

    Sentences go through the same model and rules as `extract_entities`, on the file's own
    tokens, so the figures describe what ships.
    """
    pairs = []
    n = 0
    for words, gold in read_iob(path):
        pairs.append((spans(gold), _token_spans(words)))
        n += 1
    result = score_spans(pairs)
    result["sentences"] = n
    return result
