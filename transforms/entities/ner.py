"""Named entities in a news body: CRF tagging, spans with offsets, in-document canonical names.

The CRF model (transforms/models/ner_crf.crfsuite, trained by scripts/train_ner.py on NERGrit
and idner-news-2k) is loaded lazily once per process; nothing is downloaded.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from pathlib import Path

import numpy as np

from transforms.entities.countries import country_code
from transforms.entities.decoder import FLAG_CAP, FLAG_CLOSER, FLAG_END, Decoder
from transforms.entities.features import TOKEN
from transforms.entities.gazetteer import PERSON_TITLES, PLACES
from transforms.entities.gazetteer import words as wordset
from transforms.entities.iob import read_iob, score_spans, spans

__all__ = [
    "MODEL_PATH",
    "use_model",
    "tag_words",
    "extract_entities",
    "extract_entities_batch",
    "score_iob_file",
]

MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "ner_crf.crfsuite"
_lock = threading.Lock()
# Tagging registers and compiles word types in the shared decoder's caches (and may reset
# them): one document at a time per process. Threads gain nothing by overlapping here anyway,
# as this is pure-Python and numpy work under the GIL.
_tag_lock = threading.Lock()
_state: dict[str, object] = {"path": MODEL_PATH, "decoder": None}
# Tokens tile the text's non-whitespace characters in order (a character that is neither \w
# nor \s is a token of its own), so a token's start is the position of its first character
# among them. Code points above U+3000 are never whitespace.
_LAST_SPACE = 0x3000
_IS_SPACE = np.array([chr(c).isspace() for c in range(_LAST_SPACE + 1)] + [False])


def _token_offsets(text: str, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the tokens of `text` whose lengths are `lengths`, in order."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    solid = np.flatnonzero(~_IS_SPACE[np.minimum(codes, _LAST_SPACE + 1)])
    ends_in_solid = np.cumsum(lengths)
    starts = solid[ends_in_solid - lengths] if len(lengths) else np.zeros(0, dtype=np.int64)
    return starts, starts + lengths


def use_model(path: str | Path) -> None:
    """Point the extractor at another model file (for training and experiments)."""
    with _lock:
        _state["path"] = Path(path)
        _state["decoder"] = None


def _decoder() -> Decoder:
    dec = _state["decoder"]
    if dec is None:
        with _lock:
            if _state["decoder"] is None:
                _state["decoder"] = Decoder(_state["path"])  # type: ignore[arg-type]
            dec = _state["decoder"]
    return dec  # type: ignore[return-value]


def tag_words(words: list[str]) -> list[str]:
    """IOB tags (B-person, I-location, ...) for one sentence of words."""
    if not words:
        return []
    with _tag_lock:
        return _decoder().tag(words)


class _Doc:
    """Tokens of a text as parallel lists, with type ids and flags from the decoder."""

    __slots__ = ("text", "words", "starts", "ends", "ids", "flags", "sent_start")

    def __init__(
        self,
        text: str,
        words: list[str],
        starts: list[int],
        ends: list[int],
        ids: np.ndarray | None = None,
        flags: np.ndarray | None = None,
        sent_start: np.ndarray | None = None,
    ) -> None:
        self.text, self.words, self.starts, self.ends = text, words, starts, ends
        if ids is None or flags is None:
            dec = _decoder()
            ids = dec.ids(words) if ids is None else ids
            flags = dec.flags(ids) if flags is None else flags
        self.ids, self.flags = ids, flags
        self.sent_start = np.zeros(len(words), dtype=bool) if sent_start is None else sent_start

    @classmethod
    def of_body(cls, body: str) -> _Doc:
        return cls.of_bodies([body])[0]

    @classmethod
    def of_bodies(cls, bodies: list[str]) -> list[_Doc]:
        """Tokenise several bodies in one pass over their join: one regex scan, one type
        lookup and a few array operations per batch instead of per body (the per-call numpy
        overhead was most of a short body's cost). Offsets are each body's own."""
        joined = "\n".join(bodies)  # no token spans a newline
        words = TOKEN.findall(joined)
        n = len(words)
        starts, ends = _token_offsets(joined, np.fromiter(map(len, words), np.int64, count=n))
        dec = _decoder()
        ids = dec.ids(words)
        flags = dec.flags(ids)
        # body k covers joined[base[k]:base[k] + len(body k)] and tokens first[k]:first[k + 1]
        base = np.zeros(len(bodies) + 1, dtype=np.int64)
        np.cumsum([len(b) + 1 for b in bodies], out=base[1:])
        first = np.searchsorted(starts, base)
        ss = np.zeros(n, dtype=bool)
        breaks = [m.end() for m in _NEWLINES.finditer(joined)]
        if breaks:
            idx = np.searchsorted(starts, breaks)
            ss[idx[idx < n]] = True
        opens = first[:-1]
        ss[opens[opens < n]] = True
        caps = (flags & FLAG_CAP) > 0
        end = (flags & FLAG_END) > 0
        closer = (flags & FLAG_CLOSER) > 0
        closes = first[1:] - 1
        end[closes[closes >= 0]] = False  # a body's last full stop opens nothing in the next
        ss[1:] |= end[:-1] & caps[1:]
        ss[2:] |= end[:-2] & closer[1:-1] & caps[2:]
        owner = np.repeat(base[:-1], np.diff(first))  # each token's body start in `joined`
        start_list = (starts - owner).tolist()
        end_list = (ends - owner).tolist()
        docs = []
        for k, body in enumerate(bodies):
            a, b = int(first[k]), int(first[k + 1])
            docs.append(
                cls(body, words[a:b], start_list[a:b], end_list[a:b], ids[a:b], flags[a:b], ss[a:b])
            )
        return docs

    @classmethod
    def of_words(cls, words: list[str]) -> _Doc:
        starts, pos = [], 0
        for w in words:
            starts.append(pos)
            pos += len(w) + 1
        doc = cls(
            " ".join(words), words, starts, [s + len(w) for s, w in zip(starts, words, strict=True)]
        )
        if words:
            doc.sent_start[0] = True
        return doc

    def caps(self) -> list[int]:
        return np.flatnonzero(self.flags & FLAG_CAP).tolist()


_NEWLINES = re.compile(r"\n\s*")


def _decode_docs(docs: list[_Doc]) -> list[list[tuple[int, int, str]]]:
    """Token spans of each document, decoded together (see `Decoder.decode`)."""
    if len(docs) <= 1:
        return [_decoder().decode(d.ids, d.sent_start) for d in docs]
    sizes = [len(d.ids) for d in docs]
    spans_all = _decoder().decode(
        np.concatenate([d.ids for d in docs]), np.concatenate([d.sent_start for d in docs])
    )
    out: list[list[tuple[int, int, str]]] = [[] for _ in docs]
    bounds = np.cumsum(sizes).tolist()
    k, lo = 0, 0
    for a, b, kind in spans_all:
        while a >= bounds[k]:
            lo = bounds[k]
            k += 1
        out[k].append((a - lo, b - lo, kind))
    return out


def _entities(doc: _Doc, token_spans: list[tuple[int, int, str]] | None = None) -> list[dict]:
    """Entities of one document: the model's spans (decoded now unless given), then rules."""
    text, starts, ends = doc.text, doc.starts, doc.ends
    ents = []
    if token_spans is None:
        token_spans = _decoder().decode(doc.ids, doc.sent_start)
    for a, b, kind in token_spans:
        s, e = starts[a], ends[b - 1]
        ents.append({"kind": kind, "text": text[s:e], "start": s, "end": e})
    if RULES["split"]:
        ents = _split_title_place(ents, text)
    if RULES["acronyms"]:
        ents = _acronym_expansions(ents, doc)
    caps = doc.caps()
    ents = _title_place_name(ents, doc, caps)
    if RULES["countries"]:
        ents = _add_countries(ents, doc, caps)
    return _propagate(ents, doc, caps) if RULES["propagate"] else ents


def _raw_entities(bodies: list[str]) -> list[list[dict]]:
    with _tag_lock:
        docs = _Doc.of_bodies(bodies)
        return [_entities(d, t) for d, t in zip(docs, _decode_docs(docs), strict=True)]


RULES = {"countries": True, "propagate": True, "split": True, "acronyms": True}
# Words after which a country name is a place, not an adjective ("turis Tiongkok").
_COUNTRY_CUES = wordset("di ke dari negara negeri kunjungan menuju asal wilayah perbatasan")


def _covered(ents: list[dict], size: int) -> bytearray:
    covered = bytearray(size + 1)
    for ent in ents:
        covered[ent["start"] : ent["end"]] = b"\x01" * (ent["end"] - ent["start"])
    return covered


def _add_countries(ents: list[dict], doc: _Doc, caps: list[int]) -> list[dict]:
    """Country names the model missed ('AS', 'Amerika Serikat', 'Rusia') are locations."""
    body, words, starts, ends = doc.text, doc.words, doc.starts, doc.ends
    covered = _covered(ents, len(body))
    added = []
    n = len(words)
    skip_to = -1
    for i in caps:
        s = starts[i]
        if i < skip_to or covered[s] or not i:
            continue
        prev = words[i - 1].lower()
        if prev not in _COUNTRY_CUES and prev not in PERSON_TITLES:
            continue
        for k in (3, 2, 1):
            if i + k > n:
                continue
            e = ends[i + k - 1]
            text = body[s:e]
            if " ".join(text.split()) == text and country_code(text) and not any(covered[s:e]):
                added.append({"kind": "location", "text": text, "start": s, "end": e})
                skip_to = i + k
                break
    return sorted(ents + added, key=lambda x: x["start"]) if added else ents


_PAREN_ACRONYM = re.compile(r"\(\s*([A-Z][A-Za-z-]{1,11})\s*\)")


def _acronym_expansions(ents: list[dict], doc: _Doc) -> list[dict]:
    """'Komisi Pemberantasan Korupsi (KPK)': capitalised words whose initials spell the
    acronym in brackets after them are one organisation name when the acronym was tagged as
    one (untagged ones are mostly terms: BBM, PDB, KTSP; a person's initials after the name,
    "Ahmad Sahroni (AS)", may be tagged as a country). Entities inside those words give way;
    one reaching outside them, or covering exactly them, wins."""
    words, starts, ends, body = doc.words, doc.starts, doc.ends, doc.text
    added: list[tuple[int, int, int]] = []
    for m in _PAREN_ACRONYM.finditer(body):
        i = bisect_left(starts, m.start())  # the "(" token
        if i >= len(starts) or starts[i] != m.start():
            continue
        letters = [c for c in m.group(1) if c.isupper()]
        k = len(letters)
        if k < 2 or i - k < 0:
            continue
        if any(
            words[j][:1] != letters[t] or (t and doc.sent_start[j])
            for t, j in enumerate(range(i - k, i))
        ):
            continue
        added.append((starts[i - k], ends[i - 1], m.start(1)))
    if not added:
        return ents
    kind_at = {e["start"]: e["kind"] for e in ents}
    out = list(ents)
    for s, e, acr_start in added:
        kind = kind_at.get(acr_start) or kind_at.get(acr_start - 1)
        if kind != "organization":  # "Ahmad Sahroni (AS)": initials of a person, not "AS"
            continue
        inside = [x for x in out if x["start"] < e and s < x["end"]]
        if any(x["start"] < s or x["end"] > e for x in inside):
            continue
        if any(x["start"] == s and x["end"] == e for x in inside):
            continue  # already one name: its own kind stands
        out = [x for x in out if x not in inside]
        out.append({"kind": kind, "text": body[s:e], "start": s, "end": e})
    return sorted(out, key=lambda x: x["start"])


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


def _title_place_name(ents: list[dict], doc: _Doc, caps: list[int]) -> list[dict]:
    """'Gubernur Jawa Barat Dedi Mulyadi' the model missed: office, place, then a name."""
    body, words, starts, ends = doc.text, doc.words, doc.starts, doc.ends
    covered = None
    added: list[dict] = []
    n = len(words)
    capset = set(caps)
    for c in caps:
        i = c - 1
        if i < 0 or i >= n - 2 or words[i].lower() not in _OFFICES:
            continue
        if covered is None:
            covered = _covered(ents, len(body))
        j = i + 1
        while j < n and j - i <= 6 and j in capset and not covered[starts[j]]:
            j += 1
        run = list(range(i + 1, j))
        k = _place_prefix([words[t] for t in run]) if len(run) >= 2 else 0
        if not k or j - i - 1 - k > 3:
            continue
        head, tail = run[:k], run[k:]
        s, e = starts[head[0]], ends[head[-1]]
        added.append({"kind": "location", "text": body[s:e], "start": s, "end": e})
        s, e = starts[tail[0]], ends[tail[-1]]
        added.append({"kind": "person", "text": body[s:e], "start": s, "end": e})
    return sorted(ents + added, key=lambda x: x["start"]) if added else ents


def _split_title_place(ents: list[dict], body: str) -> list[dict]:
    """'Presiden [Rusia Vladimir Putin]' -> location 'Rusia' + person 'Vladimir Putin'.

    The CRF often runs an office's country or province into the holder's name; after a
    person title, a leading place name followed by capitalised words is split off.
    """
    out = []
    for ent in ents:
        words = ent["text"].split()
        if len(words) < 2:
            out.append(ent)
            continue
        before = body[max(0, ent["start"] - 40) : ent["start"]].split()
        titled = any(w.lower().strip(",") in PERSON_TITLES for w in before[-4:])
        k = _place_prefix(words) if titled else 0
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


def _propagate(ents: list[dict], doc: _Doc, caps: list[int]) -> list[dict]:
    """One sense per document: untagged repeats of a tagged name, and lone surnames, count too.

    "Putin" alone in a sentence the model missed is a person when the story named
    "Vladimir Putin"; a place or organisation tagged once is the same kind elsewhere.
    """
    lookup: dict[str, str] = {}
    for ent in ents:
        words = ent["text"].split()
        if ent["kind"] == "person" and len(words) >= 2:
            for w in words:
                if len(w) > 2 and w[:1].isupper() and w.lower() not in _NOT_NAMES:
                    lookup.setdefault(w, "person")
        if len(words) == 1 and ent["text"][:1].isupper() and len(ent["text"]) > 2:
            lookup.setdefault(ent["text"], ent["kind"])
    if not lookup:
        return ents
    covered = _covered(ents, len(doc.text))
    added = []
    words, starts, ends = doc.words, doc.starts, doc.ends
    for i in caps:
        kind = lookup.get(words[i])
        if kind and not covered[starts[i]]:
            added.append({"kind": kind, "text": words[i], "start": starts[i], "end": ends[i]})
    return sorted(ents + added, key=lambda x: x["start"]) if added else ents


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
    split = [(ent["text"].split(), ent) for ent in ents]
    for words, ent in sorted(split, key=lambda x: -len(x[0])):
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
    return extract_entities_batch([body])[0]


def extract_entities_batch(bodies: list[str]) -> list[list[dict]]:
    """`extract_entities` of each body; tokenising and decoding many bodies together costs
    about half as much per body as one at a time (same entities either way)."""
    out = []
    for body, ents in zip(bodies, _raw_entities(bodies), strict=True):
        _link(ents, body)
        out.append(
            [
                {
                    "kind": ent["kind"],
                    "text": ent["text"],
                    "canonical": ent["canonical"],
                    "country_code": (
                        country_code(ent["canonical"]) if ent["kind"] == "location" else None
                    ),
                    "start": ent["start"],
                    "end": ent["end"],
                }
                for ent in ents
            ]
        )
    return out


def _token_spans(words: list[str]) -> set[tuple[int, int, str]]:
    """Run the full extractor (model + rules) on a pre-tokenised sentence; token-index spans."""
    with _tag_lock:
        doc = _Doc.of_words(words)
        found = _entities(doc)
    index = {s: i for i, s in enumerate(doc.starts)}
    ends = {e: i for i, e in enumerate(doc.ends)}
    out = set()
    for ent in found:
        if ent["start"] in index and ent["end"] in ends:
            out.add((index[ent["start"]], ends[ent["end"]] + 1, ent["kind"]))
    return out


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
