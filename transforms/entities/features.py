"""Tokens with offsets and CRF token features (word shape, affixes, neighbours, gazetteers).

Every feature of a token is one of:

* a feature of its own word type (`word_features` + `own_features`), slot 0;
* a word-type feature of the neighbour at offset k (`OFFSETS`), written ``"{k:+d}:{feature}"``,
  or ``"{k:+d}:PAD"`` when the neighbour lies outside the sentence;
* ``"ca={previous word}"`` when the token is capitalised and not sentence-initial;
* ``"cp={pattern}"``, the capitalisation pattern of the five tokens i-2..i+2;
* real-valued ``v{d}`` / ``"{k:+d}:v{d}"`` features, the word vector of the token or of a
  neighbour (`sentence_items`, when ``word_clusters.vectors.npy`` ships).

Because every feature depends on one word type (at a fixed offset) or on the small
capitalisation pattern, the weights of a trained model can be summed once per word type and
slot (see `transforms.entities.decoder`): tagging a document is then a few array gathers
instead of building thousands of feature strings. `sentence_features` writes the same features
as strings (`sentence_items` adds the vector values) for training with python-crfsuite.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from transforms.entities.countries import country_names
from transforms.entities.gazetteer import (
    ORG_ACRONYMS,
    ORG_HEADS,
    PERSON_TITLES,
    PLACE_CUES,
    PLACE_HEADS,
    PLACES,
)

__all__ = [
    "tokenize",
    "sentence_features",
    "sentence_items",
    "vector_table",
    "word_features",
    "own_features",
    "cap_pattern",
    "is_cap",
    "OFFSETS",
    "TOKEN",
    "DOMAIN_PREFIX",
]

TOKEN = re.compile(r"[A-Z](?:\.[A-Z])+\.?|\w+(?:[-'’&]\w+)*|[^\w\s]")
OFFSETS = (-2, -1, 1, 2)
# Training-only copies of features private to one training set ("@0:w=jakarta"); see
# scripts/train_ner.py --domains. Tagging never produces them and the decoder skips them.
DOMAIN_PREFIX = "@"
CLUSTERS_PATH = Path(__file__).resolve().parent.parent / "models" / "word_clusters.tsv"


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Word and punctuation tokens with character offsets."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


_DIGIT = re.compile(r"\d")
_REPEAT = re.compile(r"(.)\1{2,}")


_SHAPE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "X" * 26 + "x" * 26 + "d" * 10
)


def _shape(word: str) -> str:
    """ASCII capitals -> X, small letters -> x, digits (any script) -> d; runs capped at 2."""
    shape = word.translate(_SHAPE)
    if not shape.isascii():
        shape = _DIGIT.sub("d", shape)
    return _capped(shape) if len(shape) > 2 else shape


@lru_cache(maxsize=8192)
def _capped(shape: str) -> str:
    """Runs capped at 2; cached, as few raw shapes ("Xxxxxx") cover most words."""
    return _REPEAT.sub(r"\1\1", shape)


@lru_cache(maxsize=1)
def clusters() -> dict[str, tuple[str, ...]]:
    """Lower-cased word -> its distributional features, if the cluster file ships.

    A line is ``word<TAB>c32-c128-...[<TAB>capitalisation bucket]``: cluster ids at several
    granularities (``c0=``, ``c1=``, ...) and how often the word is capitalised away from a
    sentence start in unlabeled news (``cr=``).
    """
    if not CLUSTERS_PATH.exists():
        return {}
    out = {}
    with open(CLUSTERS_PATH, encoding="utf-8") as fh:
        for line in fh:
            word, _, rest = line.rstrip("\n").partition("\t")
            if rest:
                out[word] = _cluster_features(rest)
    return out


@cache
def _cluster_features(rest: str) -> tuple[str, ...]:
    """'12-3-40\t4' -> ('c0=12', 'c1=3', 'c2=40', 'cr=4'): one shared tuple per combination."""
    cid, _, cap = rest.partition("\t")
    feats = [f"c{i}={c}" for i, c in enumerate(cid.split("-")) if c]
    if cap:
        feats.append(f"cr={cap}")
    return tuple(feats)


def vectors_path() -> Path:
    """Dense word vectors shipped next to the cluster file, one row per line of it."""
    return CLUSTERS_PATH.with_name(CLUSTERS_PATH.stem + ".vectors.npy")


@lru_cache(maxsize=1)
def vector_table() -> tuple[dict[str, int], np.ndarray] | None:
    """(lower-cased word -> row, float32 rows with a zero row last for unknown words), or
    None when no vector file ships."""
    path = vectors_path()
    if not path.exists() or not CLUSTERS_PATH.exists():
        return None
    with open(CLUSTERS_PATH, encoding="utf-8") as fh:
        index = {line.partition("\t")[0]: i for i, line in enumerate(fh)}
    table = np.load(path).astype(np.float32)
    if len(table) != len(index):
        raise ValueError(f"{path}: {len(table)} vectors for {len(index)} words in {CLUSTERS_PATH}")
    return index, np.vstack([table, np.zeros((1, table.shape[1]), dtype=np.float32)])


def sentence_items(words: list[str]) -> list[list[str]] | list[dict[str, float]]:
    """Training/tagging items for python-crfsuite: `sentence_features`, plus real-valued
    vector features (``v{k}`` of the token, ``{offset:+d}:v{k}`` of its neighbours) when word
    vectors ship. Each still depends on one word type at a fixed offset."""
    feats = sentence_features(words)
    vt = vector_table()
    if vt is None:
        return feats
    index, table = vt
    n = len(words)
    rows = [table[index.get(w.lower(), -1)] for w in words]
    known = [w.lower() in index for w in words]
    out = []
    for i, f in enumerate(feats):
        item = dict.fromkeys(f, 1.0)
        for k in (0, *OFFSETS):
            j = i + k
            if 0 <= j < n and known[j]:
                tag = f"{k:+d}:v" if k else "v"
                item.update((f"{tag}{d}", float(x)) for d, x in enumerate(rows[j]))
        out.append(item)
    return out


def is_cap(word: str) -> bool:
    return word[:1].isupper()


def word_features(word: str) -> list[str]:
    """Features of a word type alone; also used, prefixed, for its neighbours."""
    low = word.lower()
    feats = [f"w={low}", f"sh={_shape(word)}"]
    if word[:1].isupper():
        feats.append("title")
    if word.isupper() and len(word) > 1:
        feats.append("upper")
    if not word.isalpha() and any(map(str.isdigit, word)):
        feats.append("digit")
    gazetteer = _gazetteer_features().get(low)
    if gazetteer is not None:
        feats.extend(gazetteer)
    dist = clusters().get(low)
    if dist is not None:
        feats.extend(dist)
    return feats


@lru_cache(maxsize=1)
def _gazetteer_features() -> dict[str, tuple[str, ...]]:
    """Lower-cased word -> its gazetteer features in a fixed order: one lookup, not seven."""
    tables = (
        ("g:per_title", PERSON_TITLES),
        ("g:org_head", ORG_HEADS),
        ("g:org_acr", ORG_ACRONYMS),
        ("g:place_head", PLACE_HEADS),
        ("g:place_cue", PLACE_CUES),
        ("g:place", PLACES),
        ("g:country", country_names()),
    )
    found: dict[str, list[str]] = {}
    for name, table in tables:
        for word in table:
            found.setdefault(word, []).append(name)
    return {word: tuple(names) for word, names in found.items()}


def own_features(word: str) -> list[str]:
    """Features only of the token itself (affixes, length): not copied to neighbours."""
    low = word.lower()
    feats = [
        "bias",
        f"p2={low[:2]}",
        f"p3={low[:3]}",
        f"s2={low[-2:]}",
        f"s3={low[-3:]}",
        f"p4={low[:4]}",
        f"s4={low[-4:]}",
        f"len={min(len(word), 8)}",
    ]
    if "-" in word:
        feats.append("hyphen")
    if low.endswith("nya"):
        feats.append("nya")
    return feats


def cap_pattern(caps: list[int]) -> int:
    """Base-3 code of five capitalisation states (0 lower, 1 capitalised, 2 outside)."""
    code = 0
    for c in caps:
        code = code * 3 + c
    return code


def sentence_features(words: list[str]) -> list[list[str]]:
    """CRF feature strings for one sentence of words (training; tagging uses the decoder)."""
    n = len(words)
    base = [word_features(w) for w in words]
    caps = [1 if is_cap(w) else 0 for w in words]
    out: list[list[str]] = []
    for i in range(n):
        feats = own_features(words[i]) + base[i]
        for k in OFFSETS:
            j = i + k
            if 0 <= j < n:
                feats.extend(f"{k:+d}:{f}" for f in base[j])
            else:
                feats.append(f"{k:+d}:PAD")
        if i > 0 and caps[i]:
            feats.append(f"ca={words[i - 1].lower()}")
        window = [caps[j] if 0 <= j < n else 2 for j in range(i - 2, i + 3)]
        feats.append(f"cp={cap_pattern(window)}")
        out.append(feats)
    return out
