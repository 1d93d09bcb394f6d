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
    ents: list[dict] = []
    for sent in _sentences(tokenize(body), body):
        tags = tag_words([t[0] for t in sent])
        for start, end, kind in sorted(spans(tags)):
            s, e = sent[start][1], sent[end - 1][2]
            ents.append({"kind": kind, "text": body[s:e], "start": s, "end": e})
    return ents


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
        elif (ent["kind"], ent["text"]) in alias and alias[(ent["kind"], ent["text"])] != ent["text"]:
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


def score_iob_file(path: str | Path) -> dict:
    """Entity-level P/R/F1 per kind, macro and micro F1 of the extractor on an IOB file."""
    pairs = []
    n = 0
    for words, gold in read_iob(path):
        pairs.append((spans(gold), spans(tag_words(words))))
        n += 1
    result = score_spans(pairs)
    result["sentences"] = n
    return result
