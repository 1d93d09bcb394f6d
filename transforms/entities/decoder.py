"""Fast exact Viterbi decoding of the shipped CRF, with weights summed per word type.

The CRF's features (see `transforms.entities.features`) each depend on one word type at a fixed
offset, on the previous word of a capitalised token, or on a five-token capitalisation pattern.
A token's emission score is therefore a sum of a few per-type vectors, computed once per
distinct word and cached (`_tab`), gathered for a whole document with numpy.

Decoding is exact: a token whose O score beats every other label by more than any transition
could make up for (`_need`) is O on some best path whatever its neighbours are, so the
sequence falls apart at such tokens and only the short stretches between them (mostly around
capitalised words) go through the Python Viterbi. `tests/transforms/test_entities_decoder.py`
checks the result against python-crfsuite's own tagger.
"""

from __future__ import annotations

from itertools import repeat
from operator import itemgetter
from pathlib import Path

import numpy as np
import pycrfsuite

from transforms.entities.features import (
    DOMAIN_PREFIX,
    OFFSETS,
    own_features,
    vector_table,
    word_features,
)
from transforms.entities.gazetteer import INSIDE_WORDS

__all__ = ["Decoder", "FLAG_CAP", "FLAG_END", "FLAG_CLOSER"]

FLAG_CAP, FLAG_END, FLAG_CLOSER, FLAG_INSIDE, FLAG_UPPER = 1, 2, 4, 8, 16
_SENT_END = {".", "!", "?"}
_CLOSERS = {'"', "”", "’", "'", ")"}
_PAD = 0
_MAX_TYPES = 300_000
_MAX_GROUP = 5  # runs longer than 2**4 tokens share one group
_GROUP_MIN_RUNS = 256  # fewer runs than this are decoded as one group


def _type_flags(word: str) -> int:
    flags = FLAG_CAP if word[:1].isupper() else 0
    if word in _SENT_END:
        flags |= FLAG_END
    if word in _CLOSERS:
        flags |= FLAG_CLOSER
    if word.lower() in INSIDE_WORDS or word.isdigit():
        flags |= FLAG_INSIDE
    if not word.islower() and any(map(str.isupper, word)):
        flags |= FLAG_UPPER
    return flags


class Decoder:
    """A compiled CRF: per-type emission vectors, transitions, exact segmented Viterbi."""

    def __init__(self, model_path: str | Path, exact: bool = False) -> None:
        self.exact = exact
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model_path))
        info = tagger.info()
        labels = sorted(info.labels, key=lambda x: info.labels[x])
        if "O" not in labels:
            labels.append("O")
        self.labels = labels
        self.kinds = [lab[2:] if lab != "O" else "" for lab in labels]
        self.begins = [lab.startswith(("B-", "S-")) for lab in labels]  # IOB or BIOES
        index = {lab: i for i, lab in enumerate(labels)}
        n_lab = len(labels)
        self.O = index["O"]
        trans = np.zeros((n_lab, n_lab))
        for (a, b), w in info.transitions.items():
            trans[index[a], index[b]] = w
        self.trans = trans
        self._trans_list = trans.tolist()
        # Largest gain a label y can get over O from its left / right transitions.
        self._gain_left = (trans - trans[:, [self.O]]).max(axis=0)
        self._gain_right = (trans - trans[[self.O], :]).max(axis=1)

        vecs: dict[str, np.ndarray] = {}
        for (attr, lab), w in info.state_features.items():
            if attr.startswith(DOMAIN_PREFIX):
                continue  # a training set's private copy: never fires at tagging time
            vec = vecs.get(attr)
            if vec is None:
                vec = vecs[attr] = np.zeros(n_lab)
            vec[index[lab]] += w
        names = list(vecs)
        self._weights = np.array([vecs[a] for a in names]).reshape(len(names), n_lab)
        row = {a: i for i, a in enumerate(names)}
        prefixes = [f"{k:+d}:" for k in OFFSETS]
        self._maps: list[dict[str, int]] = [{} for _ in range(len(OFFSETS) + 2)]
        self._cp = np.zeros((3**5, n_lab))
        for a, r in row.items():
            if a.startswith("cp="):
                self._cp[int(a[3:])] = self._weights[r]
            elif a.startswith("ca="):
                self._maps[-1][a[3:]] = r
            elif a[:1] in "+-" and ":" in a[:4] and a[: a.index(":") + 1] in prefixes:
                cut = a.index(":") + 1
                self._maps[1 + prefixes.index(a[:cut])][a[cut:]] = r
            else:
                self._maps[0][a] = r
        self._n_slots = len(self._maps)
        self._vectors(n_lab)
        # word feature -> [(slot, weight row)] over the own slot and the neighbour slots
        self._base_map: dict[str, list[tuple[int, int]]] = {}
        for slot in range(len(OFFSETS) + 1):
            for f, r in self._maps[slot].items():
                self._base_map.setdefault(f, []).append((slot, r))
        self._build_blocks()
        self._pad = max(2, *(abs(k) for k in OFFSETS))
        self._window = np.arange(-self._pad, self._pad + 1)
        # columns of the window gathered for each slot: own word, neighbours, previous word
        self._slot_cols = np.array([self._pad, *(self._pad + k for k in OFFSETS), self._pad - 1])
        self._slot_index = np.arange(self._n_slots)
        self._cp_weights = np.array([81, 27, 9, 3, 1])
        self._trans_into = np.ascontiguousarray(trans.T)  # row y: every label's move into y
        self._reset()

    def _vectors(self, n_lab: int) -> None:
        """Real-valued vector features (``v{k}`` own, ``{offset}:v{k}`` neighbours) leave the
        string maps for a (dims, slots, labels) tensor; a type's contribution is its vector
        times that tensor, added when the type is compiled."""
        vt = vector_table()
        self._vec_index: dict[str, int] = {}
        self._vec_table = self._vec_weights = None
        if vt is None:
            return
        index, table = vt
        weights = np.zeros((table.shape[1], self._n_slots, n_lab))
        found = False
        for slot in range(len(OFFSETS) + 1):
            names = self._maps[slot]
            for name in [f for f in names if f[:1] == "v" and f[1:].isdigit()]:
                dim = int(name[1:])
                if dim < table.shape[1]:
                    weights[dim, slot] = self._weights[names.pop(name)]
                    found = True
        if found:
            self._vec_index, self._vec_table = index, table
            self._vec_weights = weights.reshape(table.shape[1], -1)

    def _build_blocks(self) -> None:
        """One dense (slot, label) weight block per feature string, row 0 all zeros.

        Own features (bias, affixes, length) and word features (w=, sh=, gazetteer, clusters)
        never share a string, so one lookup serves both; `ca=` words get their own blocks.
        """
        n_lab = len(self.labels)
        feats, prev = list(self._base_map), list(self._maps[-1])
        self._block_of = {f: 1 + i for i, f in enumerate(feats)}
        self._prev_block = {f: 1 + len(feats) + i for i, f in enumerate(prev)}
        at = [(self._block_of[f], s, r) for f in feats for s, r in self._base_map[f]]
        at += [(self._prev_block[f], self._n_slots - 1, r) for f, r in self._maps[-1].items()]
        b, s, r = (np.array(x, dtype=np.int64) for x in zip(*at, strict=True))
        self._blocks = np.zeros((1 + len(feats) + len(prev), self._n_slots, n_lab))
        self._blocks[b, s] = self._weights[r]

    # -- per-type tables -------------------------------------------------------------------------
    def _reset(self) -> None:
        cap = 4096
        self._tab = np.zeros((cap, self._n_slots, len(self.labels)), dtype=np.float32)
        self._flags = np.zeros(cap, dtype=np.int8)
        self._compiled = np.zeros(cap, dtype=bool)
        self._compiled[_PAD] = True
        self._words: list[str] = [""]
        self._vocab: dict[str, int] = {}
        for s in range(1, len(OFFSETS) + 1):
            r = self._maps[s].get("PAD")
            if r is not None:
                self._tab[_PAD, s] = self._weights[r]
        self._size = 1

    def _add_types(self, words: list[str]) -> None:
        """Register new word types (flags now; weights when first needed, `_compile`)."""
        need = self._size + len(words)
        if need > len(self._tab):
            cap = max(need, 2 * len(self._tab))
            tab = np.zeros((cap, self._n_slots, len(self.labels)), dtype=np.float32)
            tab[: self._size] = self._tab[: self._size]
            flags = np.zeros(cap, dtype=np.int8)
            flags[: self._size] = self._flags[: self._size]
            compiled = np.zeros(cap, dtype=bool)
            compiled[: self._size] = self._compiled[: self._size]
            self._tab, self._flags, self._compiled = tab, flags, compiled
        start = self._size
        self._size += len(words)
        self._vocab.update(zip(words, range(start, self._size), strict=True))
        self._words.extend(words)
        self._flags[start : self._size] = [_type_flags(w) for w in words]

    def _compile(self, tids: list[int]) -> None:
        """Sum each type's feature weights per slot into `_tab`: one gather of dense feature
        blocks and a segment sum (the same additions in the same order as one at a time)."""
        block_of, prev_of = self._block_of.get, self._prev_block.get
        bids: list[int] = []
        starts: list[int] = []
        for tid in tids:
            w = self._words[tid]
            starts.append(len(bids))
            bids.append(0)  # the zero block: every segment starts at 0.0, none is empty
            bids.extend(filter(None, map(block_of, own_features(w))))
            bids.extend(filter(None, map(block_of, word_features(w))))
            b = prev_of(w.lower())
            if b:
                bids.append(b)
        self._compiled[tids] = True
        tab = np.add.reduceat(self._blocks[bids], starts, axis=0)
        if self._vec_table is not None:
            get = self._vec_index.get
            rows = [get(self._words[tid].lower(), -1) for tid in tids]
            tab += (self._vec_table[rows] @ self._vec_weights).reshape(tab.shape)
        self._tab[tids] = tab

    def ids(self, words: list[str]) -> np.ndarray:
        """Type ids of the words (new types are registered on first sight)."""
        if not words:
            return np.zeros(0, dtype=np.int64)
        # One C-level pass with -1 for unknown words: most groups of documents bring a few
        # new types, so looking up only those beats a failed full lookup and a second one.
        ids = np.fromiter(map(self._vocab.get, words, repeat(-1)), np.int64, count=len(words))
        unknown = np.flatnonzero(ids < 0)
        if not len(unknown):
            return ids
        missing = [words[i] for i in unknown.tolist()]
        new = list(dict.fromkeys(missing))  # in order of first appearance, as ids are given
        if self._size + len(new) > _MAX_TYPES:
            self._reset()  # bounded memory: start the cache again with this text's words
            self._add_types(list(dict.fromkeys(words)))
            return self._lookup(words)
        self._add_types(new)
        ids[unknown] = self._lookup(missing)
        return ids

    def _lookup(self, words: list[str]) -> np.ndarray:
        """One C-level lookup of all the words (one word gives a scalar, hence ndmin=1)."""
        return np.array(itemgetter(*words)(self._vocab), dtype=np.int64, ndmin=1)

    def flags(self, ids: np.ndarray) -> np.ndarray:
        return self._flags[ids]

    # -- decoding --------------------------------------------------------------------------------
    def emissions(
        self, ids: np.ndarray, sent_start: np.ndarray, pos: np.ndarray | None = None
    ) -> np.ndarray:
        """Emission scores (tokens, labels) at `pos` (default all); sentence starts cut context.

        One gather of (token, slot) rows: slot 0 is the token's own type, then one slot per
        neighbour offset (PAD outside the sentence), then the previous word of a capitalised
        token; plus the capitalisation-pattern row.
        """
        n = len(ids)
        if pos is None:
            pos = np.arange(n)
        pad = self._pad
        sid_x = np.full(n + 2 * pad, -1, dtype=np.int64)
        sid_x[pad : pad + n] = np.cumsum(sent_start)
        ids_x = np.zeros(n + 2 * pad, dtype=np.int64)
        ids_x[pad : pad + n] = ids
        win = (pos + pad)[:, None] + self._window  # (m, 2 * pad + 1): offsets -pad..pad
        same = sid_x[win] == sid_x[win[:, pad : pad + 1]]
        wid = np.where(same, ids_x[win], _PAD)
        known = self._compiled[wid]
        if not known.all():
            self._compile(np.unique(wid[~known]).tolist())
        caps = np.where(same, self._flags[wid] & FLAG_CAP, 2)
        code = caps[:, pad - 2 : pad + 3] @ self._cp_weights
        slot_ids = wid[:, self._slot_cols]
        slot_ids[:, -1] *= caps[:, pad] == 1
        flat = slot_ids * self._n_slots + self._slot_index
        # Gathered slot-major, (slots, m, labels): summing the outer axis is a few flat adds,
        # the same sequential float64 sums as over the middle axis of (m, slots, labels).
        rows = self._tab.reshape(-1, len(self.labels))[flat.T]
        emis = np.add.reduce(rows, axis=0, dtype=np.float64)
        emis += self._cp[code]
        return emis

    def candidates(self, ids: np.ndarray, sent_start: np.ndarray) -> np.ndarray:
        """Tokens that may carry an entity label: capitalised words, and words seen inside
        training entities (desa, kota, dan, of, digits, hyphens...) next to a capitalised word."""
        flags = self._flags[ids]
        caps = (flags & FLAG_UPPER) > 0
        if self.exact:
            return np.ones(len(ids), dtype=bool)
        inside = (flags & FLAG_INSIDE) > 0
        near = np.zeros(len(ids), dtype=bool)
        near[1:] |= caps[:-1] & ~sent_start[1:]
        near[:-1] |= caps[1:] & ~sent_start[1:]
        return caps | (inside & near)

    def decode(self, ids: np.ndarray, sent_start: np.ndarray) -> list[tuple[int, int, str]]:
        """Entity spans (first token, end token exclusive, kind) of the best label sequence.

        Tokens outside `candidates` are O; the runs of candidates (cut at sentence starts) are
        decoded together, with O transitions at their edges. Sentence starts cut every run and
        every context window, so the ids of many documents, concatenated with a sentence start
        at each document's first token, decode to the same spans as each document alone.
        """
        n = len(ids)
        if not n:
            return []
        cand = self.candidates(ids, sent_start)
        pos = np.flatnonzero(cand)
        if not len(pos):
            return []
        new_seg = np.ones(len(pos), dtype=bool)
        new_seg[1:] = (np.diff(pos) > 1) | sent_start[pos[1:]]
        seg_id = np.cumsum(new_seg) - 1
        seg_first = np.flatnonzero(new_seg)
        seg_len = np.diff(np.append(seg_first, len(pos)))
        col = np.arange(len(pos)) - seg_first[seg_id]
        rows = self.emissions(ids, sent_start, pos)
        # No transition into a run that opens a sentence (undo the pad O's transition);
        # a transition back to O after a run that does not close one.
        trans, o = self.trans, self.O
        first = pos[seg_first]
        last = pos[seg_first + seg_len - 1]
        rows[seg_first[sent_start[first]]] -= trans[o]
        closes = ~np.append(sent_start, True)[last + 1]  # the document end closes nothing
        rows[(seg_first + seg_len - 1)[closes]] += trans[:, o]
        # Runs are decoded in groups of similar length (1, 2, 3-4, 5-8, ... tokens): each
        # group is padded only to its own longest run, so one long run in a batch of
        # documents does not stretch every short one. A single document's few dozen runs are
        # cheaper decoded in one go (each group costs a few numpy calls per column).
        group = np.minimum(np.ceil(np.log2(seg_len)).astype(np.int64), _MAX_GROUP)
        out: list[tuple[int, int, str]] = []
        if len(seg_len) < _GROUP_MIN_RUNS or group.min() == group.max():
            self._decode_runs(rows, seg_id, col, first, seg_len, out)
        else:
            tok_group = group[seg_id]
            for g in np.unique(group).tolist():
                runs = np.flatnonzero(group == g)
                toks = np.flatnonzero(tok_group == g)
                renum = np.cumsum(group == g) - 1  # run index within the group
                self._decode_runs(
                    rows[toks], renum[seg_id[toks]], col[toks], first[runs], seg_len[runs], out
                )
            out.sort()
        return out

    def _decode_runs(
        self,
        rows: np.ndarray,
        seg_id: np.ndarray,
        col: np.ndarray,
        first: np.ndarray,
        seg_len: np.ndarray,
        out: list[tuple[int, int, str]],
    ) -> None:
        """Viterbi over runs of candidate tokens; `rows` holds their emission scores (with
        the edge transitions folded in), `seg_id`/`col` place each row in its run."""
        n_seg = len(seg_len)
        width = int(seg_len.max())
        n_lab = len(self.labels)
        o = self.O
        grid = np.full((n_seg, width + 1, n_lab), -1e9)
        grid[:, :, o] = 0.0
        # Right-align each run so every run ends in the last column; pads before it are O.
        shift = width - seg_len
        grid[seg_id, 1 + shift[seg_id] + col] = rows
        labels = self._viterbi(grid)
        # Only runs with a label other than O in their own (right-aligned) columns give spans.
        own = np.arange(width) >= shift[:, None]
        hits = np.flatnonzero(((labels != o) & own).any(axis=1))
        if len(hits):
            paths = labels[hits].tolist()
            for path, a, ln in zip(
                paths, first[hits].tolist(), seg_len[hits].tolist(), strict=True
            ):
                self._spans(path[width - ln :], a, out)

    def _viterbi(self, grid: np.ndarray) -> np.ndarray:
        """Best label per column after the first, for every run of `grid` (runs, steps, L).

        The same additions and comparisons as `score[:, :, None] + trans` with max and argmax
        over axis 1 (ties to the lower label), laid out for cheap numpy calls: the forward pass
        takes each step's max over the outer axis of (from, runs, to), and the backward pass
        recomputes the argmax only for the label each run actually took.
        """
        n_seg, n_col, n_lab = grid.shape
        trans_rep = np.repeat(self.trans[:, None, :], n_seg, axis=1)  # (from, runs, to)
        scores = [grid[:, 0]]
        for t in range(1, n_col):
            step = scores[-1].T[:, :, None] + trans_rep
            score = np.maximum.reduce(step, axis=0)
            score += grid[:, t]
            scores.append(score)
        width = n_col - 1
        labels = np.empty((n_seg, width), dtype=np.int64)
        y = scores[-1].argmax(axis=1)
        into = self._trans_into
        for t in range(width - 1, 0, -1):
            labels[:, t] = y
            y = (scores[t] + into[y]).argmax(axis=1)
        labels[:, 0] = y
        return labels

    def _spans(self, path: list[int], offset: int, out: list[tuple[int, int, str]]) -> None:
        """IOB path -> spans; an I- without a matching open span opens one (as `iob.spans`)."""
        start, kind = -1, ""
        kinds, begins = self.kinds, self.begins
        for i, y in enumerate(path):
            k = kinds[y]
            if k and not begins[y] and k == kind:
                continue
            if start >= 0:
                out.append((offset + start, offset + i, kind))
                start, kind = -1, ""
            if k:
                start, kind = i, k
        if start >= 0:
            out.append((offset + start, offset + len(path), kind))

    def tag(self, words: list[str]) -> list[str]:
        """IOB labels for one sentence (every token decoded, for tests and `tag_words`)."""
        n = len(words)
        if not n:
            return []
        ids = self.ids(words)
        start = np.zeros(n, dtype=bool)
        start[0] = True
        labels = ["O"] * n
        for a, b, kind in self.decode(ids, start):
            labels[a] = f"B-{kind}"
            for i in range(a + 1, b):
                labels[i] = f"I-{kind}"
        return labels
