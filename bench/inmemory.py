"""The dedupe stage without a warehouse: LSH buckets by sorting, confirmation, components.

The same decisions as warehouse.near_dupes.link_batch (candidate = a shared band key,
confirmed = estimated Jaccard >= threshold, clusters = connected components), done in numpy
over a whole corpus at once. The benchmark and the threshold sweep use it; the warehouse
path is checked against it.
"""

from __future__ import annotations

import numpy as np

from transforms.near_dupes import NearDupConfig, band_keys, pair_similarity


def candidate_pairs(keys: np.ndarray, max_bucket: int = 2000) -> np.ndarray:
    """(m, 2) int64 array of distinct doc-index pairs i < j sharing any band key.

    keys: (n, bands) uint64 with the band folded in (transforms.near_dupes.band_keys), so
    one sort of all n*bands keys finds every bucket. Buckets larger than max_bucket
    (degenerate texts) are skipped; none occur in news text at the default settings.
    """
    n, bands = keys.shape
    flat = keys.reshape(-1)
    order = np.argsort(flat)
    ks = flat[order]
    doc = order // bands
    same = ks[1:] == ks[:-1]
    if not same.any():
        return np.zeros((0, 2), dtype=np.int64)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], same.view(np.int8), [0]))))
    starts, ends = edges[0::2], edges[1::2] + 1
    keep = (ends - starts) <= max_bucket
    starts, ends = starts[keep], ends[keep]
    # Every (earlier, later) pair inside each run, without a Python loop: element e of a run
    # ending at `end` pairs with the end - e - 1 elements after it.
    run_len = ends - starts
    elem = np.repeat(starts, run_len) + _ramp(run_len)
    after = np.repeat(ends, run_len) - elem - 1
    left = np.repeat(elem, after)
    right = left + 1 + _ramp(after)
    pairs = np.stack([doc[left], doc[right]], axis=1).astype(np.int64)
    pairs.sort(axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    # Distinct pairs: one int64 code per pair, then unique (faster than unique(axis=0)).
    code = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([code // n, code % n], axis=1)


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0, 1, ..., len-1 for each length, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    firsts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total, dtype=np.int64) - firsts


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member index) for each of n documents."""
    parent = np.arange(n)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    return np.array([find(i) for i in range(n)])


def dedupe(sig: np.ndarray, n_shingles: np.ndarray, cfg: NearDupConfig) -> tuple[np.ndarray, dict]:
    """Cluster labels for a signature matrix, plus counts of candidates and confirmed pairs."""
    eligible = np.flatnonzero(n_shingles >= cfg.min_shingles)
    keys = band_keys(sig[eligible], cfg)
    cand = eligible[candidate_pairs(keys)] if len(eligible) else np.zeros((0, 2), np.int64)
    sims = pair_similarity(sig, cand[:, 0], cand[:, 1]) if len(cand) else np.zeros(0)
    confirmed = cand[sims >= cfg.threshold]
    labels = components(len(sig), confirmed)
    return labels, {"candidates": len(cand), "confirmed": len(confirmed)}
