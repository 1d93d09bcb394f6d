"""Near-duplicate signatures: word shingles -> MinHash (rensa) -> LSH band keys.

Pure and vectorised: this runs inside the batch tasks, so it must be fast (tens of thousands
of documents per second on one core) and deterministic across machines and processes. Words
and shingles are hashed with fixed-constant uint64 arithmetic in numpy (never Python's
`hash()`), MinHash uses rensa with a fixed seed, and band keys are folded the same way, so a
signature stored last month still matches one computed today (as long as `NearDupConfig` and
rensa's algorithm version are unchanged: `NearDupConfig.fingerprint` names both).

The warehouse side (candidate lookup, confirmation, clusters) is `warehouse.near_dupes`.
Corpus-learned boilerplate shares `paragraph_hash` with it.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import rensa

__all__ = [
    "NearDupConfig",
    "words",
    "token_hashes",
    "shingle_hashes",
    "signature_table",
    "band_table",
    "signature_matrix",
    "signatures_to_matrix",
    "signature_blobs",
    "estimated_jaccard",
    "pair_similarity",
    "UnionFind",
    "paragraph_hash",
    "strip_boilerplate",
    "strip_hashed_boilerplate",
]

_U64 = np.uint64
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class NearDupConfig:
    """MinHash/LSH settings; defaults measured with scripts/eval_near_dupes.py.

    On the labelled news_id_2025 set (4,895 documents, 1,242 true pairs; cluster-pair P/R;
    one MinHash seed, so +-0.005 of noise between neighbouring settings):
    - shingle_size 3 words: P/R 0.932/0.967 at the default threshold, best F1 0.950; 2-word
      shingles reach F1 0.952 there but are less specific as a corpus grows (more chance
      word pairs), 4 and 5 words lose recall on word-edited copies (best F1 0.939, 0.936).
    - threshold 0.55 on the estimated Jaccard: 0.5 gives 0.916/0.986, 0.6 gives
      0.952/0.942; 0.55 keeps precision above 0.93 with recall near 0.97. Most "false" pairs
      at any threshold are real near-duplicates the labels do not know (one story under two
      URLs, one press release on two outlets, daily pages from one template), so precision
      is a lower bound. On the 100,000-document bench corpus: P/R 0.997/0.988.
    - bands x rows = 32 x 4 over 128 permutations: the LSH S-curve (1/b)^(1/r) ~ 0.42 lies
      below the threshold (a pair at J=0.55 is a candidate with p=0.95, at 0.6 with 0.99);
      64 x 2 gives the same P/R with 3-30x the candidates, 16 x 8 loses 11 points of recall.
    - min_shingles: documents with fewer shingles get a signature but no band keys, so
      one-line stubs do not chain unrelated documents into one cluster.
    - max_bucket: a band key shared by more stored documents is not used for candidates
      (boilerplate-dominated texts); not part of the stored signatures.
    """

    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    shingle_size: int = 3
    threshold: float = 0.55
    seed: int = 42
    min_shingles: int = 5
    max_bucket: int = 1000

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError("bands * rows must not exceed num_perm")
        if self.shingle_size < 1 or self.bands < 1 or self.rows < 1:
            raise ValueError("shingle_size, bands and rows must be positive")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")

    @property
    def fingerprint(self) -> str:
        """What stored signatures depend on: a change means history must be re-signed."""
        d = asdict(self)
        return (f"rensa-RMinHash-v{rensa.RMinHash.ALGORITHM_VERSION}/perm{d['num_perm']}"
                f"/seed{d['seed']}/k{d['shingle_size']}/b{d['bands']}x{d['rows']}")

    def candidate_probability(self, jaccard: float) -> float:
        """Chance that a pair with this Jaccard shares at least one band (the LSH S-curve)."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands

    @classmethod
    def from_mapping(cls, values: dict | None) -> NearDupConfig:
        """Build from a config section, ignoring unknown keys (so configs can grow)."""
        values = values or {}
        known = {k: values[k] for k in cls.__dataclass_fields__ if k in values}
        return cls(**known)


# ---------------------------------------------------------------------------------------
# Tokenisation. A word is a maximal run of "alphanumeric" bytes of the lower-cased UTF-8
# text: ASCII letters and digits, and every non-ASCII character except the common Unicode
# punctuation and space blocks (Latin-1 punctuation U+0080-U+00BF, U+00D7, U+00F7, General
# Punctuation U+2000-U+206F, CJK punctuation U+3000-U+303F, BOM). This is a byte table in
# numpy, ~30x faster than a regex, and `words()` is its readable reference.

_KEEP = np.zeros(256, dtype=np.uint8)
for _b in range(256):
    if _b >= 0x80 or chr(_b).isalnum():
        _KEEP[_b] = ord(chr(_b).lower()) if _b < 0x80 else _b

_KEEP_BYTES = _KEEP.tobytes()

_PUNCT_CHARS = "".join(
    [chr(c) for c in range(0x80, 0xC0)]
    + ["\u00d7", "\u00f7", "\ufeff"]
    + [chr(c) for c in range(0x2000, 0x2070)]
    + [chr(c) for c in range(0x3000, 0x3040)]
)
_WORD_SPLIT = re.compile(r"[^0-9a-z\u00c0-\U0010ffff]+|[" + re.escape(_PUNCT_CHARS) + r"]+")


def words(text: str) -> list[str]:
    """Reference tokeniser (same words as the vectorised path): lower-case, split."""
    return [w for w in _WORD_SPLIT.split(text.lower()) if w]


# Word hash: sum of byte_j * P^j over the word's bytes (j = position inside the word), then
# the splitmix64 finaliser. Computed for all words at once as a segmented sum of
# byte_i * P^i over the buffer, times P^-start of each word. Constants are fixed.
_P = 0x100000001B3
_P_INV = pow(_P, -1, 1 << 64)
_LO_BITS = 12
_pow_table: list[np.ndarray] = [np.ones(1, dtype=np.uint64)]


def _cumpow(base: int, n: int, step: int = 1) -> np.ndarray:
    """base^(i*step) mod 2^64 for i < n."""
    factors = np.full(n, pow(base, step, 1 << 64), dtype=np.uint64)
    factors[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(factors, dtype=np.uint64)


_INV_LO = _cumpow(_P_INV, 1 << _LO_BITS)


_POW_CACHE_MAX = 1 << 23  # 64 MB: covers chunks of ~8 MB of text; larger ones are not cached


def _forward_powers(n: int) -> np.ndarray:
    """P^i for i < n from a cache that grows by doubling (16 MB covers a 2 MB chunk).

    Thread-safe: a caller only ever slices the table it checked, and the cache only grows.
    """
    table = _pow_table[0]
    if len(table) < n:
        table = _cumpow(_P, 1 << max(n - 1, 1).bit_length())
        if len(table) <= _POW_CACHE_MAX and len(table) > len(_pow_table[0]):
            _pow_table[0] = table
    return table[:n]


_inv_hi_table: list[np.ndarray] = [np.ones(1, dtype=np.uint64)]


def _inverse_powers(pos: np.ndarray) -> np.ndarray:
    """P^-pos for an array of positions, from two small tables (high and low bits)."""
    hi = pos >> _LO_BITS
    need = int(hi.max()) + 1 if len(hi) else 1
    inv_hi = _inv_hi_table[0]
    if len(inv_hi) < need:
        inv_hi = _cumpow(_P_INV, 1 << (need - 1).bit_length(), step=1 << _LO_BITS)
        if len(inv_hi) > len(_inv_hi_table[0]):
            _inv_hi_table[0] = inv_hi
    with np.errstate(over="ignore"):
        return inv_hi[hi] * _INV_LO[pos & ((1 << _LO_BITS) - 1)]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word (in place)."""
    with np.errstate(over="ignore"):
        x ^= x >> _U64(30)
        x *= _U64(0xBF58476D1CE4E5B9)
        x ^= x >> _U64(27)
        x *= _U64(0x94D049BB133111EB)
        x ^= x >> _U64(31)
    return x


def _clear_unicode_punctuation(buf: np.ndarray, mapped: np.ndarray) -> None:
    """Zero the bytes of multi-byte Unicode punctuation in `mapped` (they separate words)."""
    n = len(buf)
    lead = np.flatnonzero(buf[: n - 1] >= 0xC2)  # rare in most news text: check only these
    if len(lead) == 0:
        return
    padded = np.zeros(n + 2, dtype=np.uint8)
    padded[:n] = buf
    b0, b1, b2 = padded[lead], padded[lead + 1], padded[lead + 2]
    # Two-byte sequences: C2 80..BF (U+0080-U+00BF), C3 97 (×), C3 B7 (÷).
    two = ((b0 == 0xC2) & (b1 >= 0x80) & (b1 <= 0xBF)) | ((b0 == 0xC3) & ((b1 == 0x97) | (b1 == 0xB7)))
    three = (
        ((b0 == 0xE2) & ((b1 == 0x80) | ((b1 == 0x81) & (b2 <= 0xAF))))
        | ((b0 == 0xE3) & (b1 == 0x80))
        | ((b0 == 0xEF) & (b1 == 0xBB) & (b2 == 0xBF))
    )
    for width, hit in ((2, two), (3, three)):
        idx = lead[hit]
        for j in range(width):
            mapped[np.minimum(idx + j, n - 1)] = 0


def token_hashes(bodies: pa.Array | Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every word of every body: (uint64 word hashes, int64 per-document offsets).

    Words of document i are hashes[offsets[i]:offsets[i+1]]. The hash of a word depends only
    on its bytes, so it is the same in every batch and on every machine.
    """
    arr = bodies if isinstance(bodies, pa.Array) else pa.array(bodies, type=pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    arr = pc.utf8_lower(arr)
    arr = arr.cast(pa.large_string())
    n_docs = len(arr)
    _validity, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64, count=n_docs + 1, offset=arr.offset * 8)
    start, stop = int(offsets[0]), int(offsets[-1])
    buf = np.frombuffer(data_buf, dtype=np.uint8, count=stop - start, offset=start) if data_buf else np.zeros(0, np.uint8)
    doc_starts = offsets[:-1] - start
    n = len(buf)
    if n == 0:
        return np.zeros(0, _U64), np.zeros(n_docs + 1, np.int64)
    # 0 = separator, else the (lower-cased) byte; bytes.translate is ~5x a numpy gather.
    mapped = np.frombuffer(bytearray(buf.tobytes().translate(_KEEP_BYTES)), dtype=np.uint8)
    _clear_unicode_punctuation(buf, mapped)
    is_tok = mapped != 0
    # Word starts: a word byte after a separator, or at the start of a document.
    is_start = np.empty(n, dtype=bool)
    is_start[0] = is_tok[0]
    np.greater(is_tok[1:], is_tok[:-1], out=is_start[1:])
    inner = doc_starts[(doc_starts > 0) & (doc_starts < n)]
    is_start[inner] = is_tok[inner]  # a word never runs across two documents
    starts = np.flatnonzero(is_start)
    if len(starts) == 0:
        return np.zeros(0, _U64), np.zeros(n_docs + 1, np.int64)
    with np.errstate(over="ignore"):
        # Segmented sums from one running sum: a word's sum runs to the next word's start
        # (separators in between add 0).
        csum = mapped.astype(_U64)
        csum *= _forward_powers(n)
        np.cumsum(csum, out=csum)
        before = csum[starts - 1]
        if starts[0] == 0:
            before[0] = 0
        h = np.empty(len(starts), dtype=_U64)
        h[:-1] = before[1:]
        h[-1] = csum[-1]
        h -= before
        h *= _inverse_powers(starts.astype(np.uint64))
    h = _mix(h)
    tok_offsets = np.searchsorted(starts, doc_starts, side="left").astype(np.int64)
    tok_offsets = np.append(tok_offsets, len(starts))
    return h, tok_offsets


_SHINGLE_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x27D4EB2F165667C5, 0x85EBCA77C2B2AE63],
    dtype=_U64,
)


def shingle_hashes(tok: np.ndarray, tok_offsets: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the k-word shingles of every document: (uint64 hashes, int64 offsets).

    A document with fewer than k (but at least one) words gets one shingle of all its words,
    so short texts still have a signature.
    """
    if k > len(_SHINGLE_MULT):
        raise ValueError(f"shingle_size above {len(_SHINGLE_MULT)} is not supported")
    n_tok = np.diff(tok_offsets)
    n_sh = np.where(n_tok >= k, n_tok - k + 1, np.minimum(n_tok, 1))
    sh_offsets = np.zeros(len(n_tok) + 1, dtype=np.int64)
    np.cumsum(n_sh, out=sh_offsets[1:])
    out = np.empty(int(sh_offsets[-1]), dtype=_U64)
    total = len(tok)
    short = np.flatnonzero((n_tok > 0) & (n_tok < k))
    if total >= k:
        # Every window of the flat word list from contiguous slices (no gathers), then the
        # windows that stay inside one document, in document order.
        m = total - k + 1
        with np.errstate(over="ignore"):
            h = np.full(m, _U64(k), dtype=_U64)
            for j in range(k):
                h += tok[j: j + m] * _SHINGLE_MULT[j]
                h = (h << _U64(17)) | (h >> _U64(47))
        doc_of = np.repeat(np.arange(len(n_tok)), n_tok)[:m]
        inside = np.arange(m) - tok_offsets[:-1][doc_of] <= n_tok[doc_of] - k
        slots = np.ones(len(out), dtype=bool)
        slots[sh_offsets[:-1][short]] = False
        out[slots] = h[inside]
    if len(short):
        out[sh_offsets[:-1][short]] = _short_shingles(tok, tok_offsets, short, k)
    return _mix(out), sh_offsets


def _short_shingles(tok: np.ndarray, tok_offsets: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    """The single shingle of each document with fewer than k words (all its words)."""
    res = np.empty(len(docs), dtype=_U64)
    with np.errstate(over="ignore"):
        for i, d in enumerate(docs.tolist()):
            h = _U64(k)
            words_of = tok[tok_offsets[d]: tok_offsets[d + 1]]
            for j in range(k):
                if j < len(words_of):
                    h += words_of[j] * _SHINGLE_MULT[j]
                h = (h << _U64(17)) | (h >> _U64(47))
            res[i] = h
    return res


def signature_matrix(bodies: pa.Array | Sequence[str], cfg: NearDupConfig) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures as an (n, num_perm) uint32 matrix, plus shingles per document."""
    tok, tok_off = token_hashes(bodies)
    sh, sh_off = shingle_hashes(tok, tok_off, cfg.shingle_size)
    n = len(sh_off) - 1
    if n == 0:
        return np.zeros((0, cfg.num_perm), dtype=np.uint32), np.zeros(0, dtype=np.int32)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
        sh, sh_off.astype(np.uint64), cfg.num_perm, cfg.seed
    )
    # array.array over the flattened rows is ~1.5x numpy's nested-list conversion.
    flat = array.array("I", itertools.chain.from_iterable(matrix.to_rows()))
    sig = np.frombuffer(flat, dtype=np.uint32).reshape(n, cfg.num_perm)
    return sig, np.diff(sh_off).astype(np.int32)


def signature_table(doc_ids: list[str], bodies: list[str] | pa.Array, cfg: NearDupConfig,
                    chunk_size: int = 512) -> pa.Table:
    """One row per document: doc_id, signature (fixed_size_list<uint32>), n_shingles.

    Works in chunks so memory stays flat however large the batch is.
    """
    if len(doc_ids) != len(bodies):
        raise ValueError("doc_ids and bodies differ in length")
    sigs, counts = [], []
    for lo in range(0, len(doc_ids), chunk_size):
        chunk = bodies[lo: lo + chunk_size]
        s, c = signature_matrix(chunk, cfg)
        sigs.append(s)
        counts.append(c)
    sig = np.concatenate(sigs) if sigs else np.zeros((0, cfg.num_perm), dtype=np.uint32)
    cnt = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32)
    return pa.table({
        "doc_id": pa.array(doc_ids, type=pa.string()),
        "signature": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1)), cfg.num_perm),
        "n_shingles": pa.array(cnt, type=pa.int32()),
    })


def signatures_to_matrix(column: pa.Array | pa.ChunkedArray, num_perm: int) -> np.ndarray:
    """A signature column as an (n, num_perm) uint32 matrix.

    Accepts lists of uint32 (signature_table) and binary blobs of little-endian uint32 (how
    the warehouse stores them: a blob column is ~4x cheaper for DuckDB to fetch than a list).
    """
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary())
    if len(column) == 0:
        return np.zeros((0, num_perm), dtype=np.uint32)
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type) \
            or pa.types.is_fixed_size_binary(column.type):
        if pa.types.is_fixed_size_binary(column.type):
            data = column.buffers()[1]
            start = column.offset * column.type.byte_width
        else:
            offsets = np.frombuffer(column.buffers()[1], dtype=np.int64 if pa.types.is_large_binary(
                column.type) else np.int32, count=len(column) + 1, offset=column.offset * (
                8 if pa.types.is_large_binary(column.type) else 4))
            if not np.all(np.diff(offsets) == 4 * num_perm):
                raise ValueError("stored signature of the wrong length")
            data = column.buffers()[2]
            start = int(offsets[0])
        flat = np.frombuffer(data, dtype="<u4", count=len(column) * num_perm, offset=start)
        return flat.astype(np.uint32, copy=False).reshape(len(column), num_perm)
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False).astype(np.uint32, copy=False)
    return flat.reshape(len(column), num_perm)


def signature_blobs(column: pa.Array | pa.ChunkedArray, num_perm: int) -> pa.Array:
    """Signatures as fixed-size binary blobs of little-endian uint32 (the stored form)."""
    sig = signatures_to_matrix(column, num_perm).astype("<u4", copy=False)
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(4 * num_perm), len(sig), [None, pa.py_buffer(np.ascontiguousarray(sig).tobytes())])


def band_keys(sig: np.ndarray, cfg: NearDupConfig) -> np.ndarray:
    """(n, bands) uint64 keys: each band's rows folded with the band number into one hash."""
    n = sig.shape[0]
    cols = np.ascontiguousarray(sig[:, : cfg.bands * cfg.rows].T).astype(_U64)  # slot-major
    keys = np.empty((cfg.bands, n), dtype=_U64)
    with np.errstate(over="ignore"):
        for b in range(cfg.bands):
            h = keys[b]
            h[:] = _U64((cfg.seed * 0x9E3779B97F4A7C15 + b + 1) & _MASK)
            for r in range(cfg.rows):  # (h ^ slot) * odd constant: a bijection per step
                np.bitwise_xor(h, cols[b * cfg.rows + r], out=h)
                np.multiply(h, _U64(_P), out=h)
            _mix(h)
    return keys.T.copy()


def band_table(signatures: pa.Table, cfg: NearDupConfig) -> pa.Table:
    """LSH rows: doc_id, band (int16), key (uint64); documents under min_shingles get none."""
    sig = signatures_to_matrix(signatures.column("signature"), cfg.num_perm)
    ids = signatures.column("doc_id").combine_chunks() if signatures.num_rows else pa.array([], pa.string())
    if "n_shingles" in signatures.column_names:
        keep = signatures.column("n_shingles").to_numpy() >= cfg.min_shingles
        sig = sig[keep]
        ids = ids.filter(pa.array(keep))
    keys = band_keys(sig, cfg)
    n = sig.shape[0]
    return pa.table({
        "doc_id": pc.take(ids, pa.array(np.repeat(np.arange(n), cfg.bands))),
        "band": pa.array(np.tile(np.arange(cfg.bands, dtype=np.int16), n)),
        "key": pa.array(keys.reshape(-1)),
    })


def estimated_jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Share of MinHash slots on which two signatures agree (unbiased Jaccard estimate)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("signatures differ in length or are empty")
    return float(np.count_nonzero(a == b)) / a.size


def pair_similarity(sig: np.ndarray, left: np.ndarray, right: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Estimated Jaccard for many pairs of rows of one signature matrix."""
    out = np.empty(len(left), dtype=np.float64)
    for lo in range(0, len(left), chunk):
        li, ri = left[lo: lo + chunk], right[lo: lo + chunk]
        out[lo: lo + chunk] = np.count_nonzero(sig[li] == sig[ri], axis=1) / sig.shape[1]
    return out


class UnionFind:
    """Disjoint sets over hashable labels (path halving, union by size)."""

    def __init__(self, items: Iterable = ()) -> None:
        self.parent: dict = {}
        self.size: dict = {}
        for x in items:
            self.add(x)

    def add(self, x) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1

    def find(self, x):
        self.add(x)
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def groups(self) -> list[list]:
        """Components as lists, members in insertion order."""
        out: dict = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


# ---------------------------------------------------------------------------------------
# Corpus-learned boilerplate. The warehouse counts md5 of the same normalisation in SQL
# (lower, ASCII whitespace runs -> one space, trimmed), so both sides agree on the hash.

_WS = re.compile(r"[ \t\n\r\f\v]+")
_ODD_WS = re.compile(r"[\t\n\r\f\v]|  ")  # what a clean paragraph has none of


def normalise_paragraph(text: str) -> str:
    """Lower-case, collapse ASCII whitespace: the form whose hash marks boilerplate."""
    low = text.lower()
    if _ODD_WS.search(low) is None:  # the usual case: only single spaces (3x faster)
        return low.strip(" ")
    return _WS.sub(" ", low).strip(" ")


def paragraph_hash(text: str) -> str:
    """md5 hex of the normalised paragraph (DuckDB's md5() gives the same string)."""
    return hashlib.md5(normalise_paragraph(text).encode("utf-8")).hexdigest()


def strip_boilerplate(paragraphs: Sequence[str], hashes: set[str] | frozenset[str]) -> tuple[list[str], int]:
    """Drop paragraphs whose hash is learned boilerplate; returns (kept, n_removed)."""
    kept, _, removed = strip_hashed_boilerplate(paragraphs, hashes)
    return kept, removed


def strip_hashed_boilerplate(paragraphs: Sequence[str], learned: set[str] | frozenset[str]
                             ) -> tuple[list[str], list[str], int]:
    """(kept paragraphs, their hashes, n_removed): the batch task stores the hashes too, so
    each paragraph is hashed once."""
    hashed = [(p, paragraph_hash(p)) for p in paragraphs]
    kept = [(p, h) for p, h in hashed if h not in learned] if learned else hashed
    return [p for p, _ in kept], [h for _, h in kept], len(hashed) - len(kept)
