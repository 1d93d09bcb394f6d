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

    keys: (n, bands) uint64. Buckets larger than max_bucket (degenerate texts) are skipped
    and would need the exact path; none occur in news text at the default settings.
    """
    n, bands = keys.shape
    out = []
    for b in range(bands):
        k = keys[:, b]
        order = np.argsort(k, kind="stable")
        ks = k[order]
        same = ks[1:] == ks[:-1]
        if not same.any():
            continue
        # Runs of equal keys: starts/ends of each run of length >= 2.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
        starts, ends = edges[0::2], edges[1::2] + 1
        sizes = ends - starts
        small = sizes == 2
        if small.any():
            s = starts[small]
            out.append(np.stack([order[s], order[s + 1]], axis=1))
        for s, e in zip(starts[~small], ends[~small], strict=True):
            if e - s > max_bucket:
                continue
            members = np.sort(order[s:e])
            i, j = np.triu_indices(len(members), 1)
            out.append(np.stack([members[i], members[j]], axis=1))
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(out).astype(np.int64)
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


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
