"""IOB files (CoNLL-like) and entity-level scoring: exact span and type, per type and macro.

Any IOB-tagged file is accepted: one token and its tag per line, tab- or space-separated, tag
last, blank line between sentences, CRLF or LF. PERSON/PER, PLACE/LOC/LOCATION/GPE and
ORGANISATION/ORGANIZATION/ORG map to our three kinds; other tags are treated as O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["KINDS", "read_iob", "spans", "map_tag", "score_spans", "to_bioes"]

KINDS = ("person", "organization", "location")
_KIND_OF = {
    "PERSON": "person", "PER": "person", "PERS": "person",
    "PLACE": "location", "LOC": "location", "LOCATION": "location", "GPE": "location",
    "ORGANISATION": "organization", "ORGANIZATION": "organization", "ORG": "organization",
}  # fmt: skip


def map_tag(tag: str) -> str:
    """'B-PLACE' -> 'B-location'; unknown types and malformed tags -> 'O'."""
    tag = tag.strip()
    if len(tag) < 3 or tag[1] not in "-_" or tag[0].upper() not in "BIES":
        return "O"
    kind = _KIND_OF.get(tag[2:].upper())
    if kind is None:
        return "O"
    prefix = tag[0].upper()
    prefix = {"S": "B", "E": "I"}.get(prefix, prefix)
    return f"{prefix}-{kind}"


def read_iob(path: str | Path) -> Iterator[tuple[list[str], list[str]]]:
    """Sentences as (tokens, mapped tags)."""
    words: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for raw in fh:
            line = raw.rstrip("\r\n")
            parts = line.split()
            if not parts or line.startswith("-DOCSTART-"):
                if words:
                    yield words, tags
                words, tags = [], []
                continue
            words.append(parts[0])
            tags.append(map_tag(parts[-1]) if len(parts) > 1 else "O")
    if words:
        yield words, tags


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """Entity spans (start, end exclusive, kind); an I- without a B- opens a span."""
    out: set[tuple[int, int, str]] = set()
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("I-") and kind == tag[2:]:
            continue
        if start is not None:
            out.add((start, i, kind))  # type: ignore[arg-type]
            start, kind = None, None
        if tag != "O":
            start, kind = i, tag[2:]
    return out


def score_spans(pairs: Iterable[tuple[set, set]]) -> dict:
    """Per-kind precision/recall/F1, macro F1 over the three kinds, and micro F1."""
    tp = dict.fromkeys(KINDS, 0)
    n_pred = dict.fromkeys(KINDS, 0)
    n_gold = dict.fromkeys(KINDS, 0)
    for gold, pred in pairs:
        for s in gold:
            n_gold[s[2]] += 1
        for s in pred:
            n_pred[s[2]] += 1
            tp[s[2]] += s in gold
    result: dict = {}
    for kind in KINDS:
        p = tp[kind] / n_pred[kind] if n_pred[kind] else 0.0
        r = tp[kind] / n_gold[kind] if n_gold[kind] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        result[kind] = {"precision": p, "recall": r, "f1": f, "support": n_gold[kind]}
    present = [k for k in KINDS if n_gold[k]]
    result["macro_f1"] = sum(result[k]["f1"] for k in present) / len(present) if present else 0.0
    all_tp, all_pred, all_gold = sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())
    p = all_tp / all_pred if all_pred else 0.0
    r = all_tp / all_gold if all_gold else 0.0
    result["micro_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return result


def to_bioes(tags: list[str]) -> list[str]:
    """IOB tags -> BIOES (S- single-token entity, E- last token), same spans as `spans`."""
    out = ["O"] * len(tags)
    for start, end, kind in spans(tags):
        if end - start == 1:
            out[start] = f"S-{kind}"
            continue
        out[start] = f"B-{kind}"
        for i in range(start + 1, end - 1):
            out[i] = f"I-{kind}"
        out[end - 1] = f"E-{kind}"
    return out
