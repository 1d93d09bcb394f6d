"""Train the shipped CRF NER model and report its entity-level F1 on the held-out splits.

    uv run python scripts/train_ner.py [--corpora ../shared/corpora] [--out transforms/models/ner_crf.crfsuite]

Training data: NERGrit train (Apache-2.0, IndoNLU) + idner-news-2k train (MIT). Labels are
mapped to person/organization/location. The NERGrit validation split and the idner-news-2k dev
split are NOT used for training; they are scored after training and printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pycrfsuite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.entities.features import CLUSTERS_PATH, TOKEN, sentence_features  # noqa: E402
from transforms.entities.iob import read_iob  # noqa: E402

CLUSTER_SIZES = (32, 128, 512)


def _unlabeled_texts(corpora: Path, train_files: list[Path]):
    """News bodies of news_id_2025 and detik_1k (read, never shipped) and the training words."""
    import csv

    csv.field_size_limit(10**9)
    for path in sorted((corpora / "news_id_2025").glob("*.csv")) + [
        corpora / "detik_1k" / "data_berita.csv"
    ]:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield row.get("isi_berita") or ""
    for path in train_files:
        for words, _ in read_iob(path):
            yield " ".join(words)


def _kmeans(x, k: int, rng, iters: int = 15):
    """Plain k-means on unit vectors (cosine), initialised from random rows."""
    import numpy as np

    centers = x[rng.choice(len(x), size=k, replace=False)]
    for _ in range(iters):
        lab = (x @ centers.T).argmax(axis=1)
        sums = np.zeros_like(centers)
        np.add.at(sums, lab, x)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        centers = np.where(empty[:, None], centers, sums / np.maximum(norms, 1e-9))
    return (x @ centers.T).argmax(axis=1)


def build_clusters(
    corpora: Path, train_files: list[Path], out: Path, min_count: int = 3, dims: int = 60
) -> dict:
    """Distributional word clusters: PPMI of position-aware neighbour counts (offsets -2..2
    over the 3,000 commonest words), SVD to `dims`, then k-means at CLUSTER_SIZES. Writes
    ``word<TAB>c32-c128-c512`` for lower-cased words seen `min_count` times; only this
    mapping ships, not the text."""
    from collections import Counter

    import numpy as np
    from scipy.sparse import coo_matrix

    docs = [[w.lower() for w in TOKEN.findall(t)] for t in _unlabeled_texts(corpora, train_files)]
    counts = Counter(w for d in docs for w in d)
    vocab = [w for w, c in counts.most_common() if c >= min_count and any(ch.isalpha() for ch in w)]
    index = {w: i for i, w in enumerate(vocab)}
    n_ctx = 3000
    rows, cols = [], []
    for d in docs:
        ids = [index.get(w, -1) for w in d]
        for off_i, off in enumerate((-2, -1, 1, 2)):
            for i, wi in enumerate(ids):
                j = i + off
                if wi < 0 or not 0 <= j < len(ids):
                    continue
                c = ids[j]
                if 0 <= c < n_ctx:
                    rows.append(wi)
                    cols.append(off_i * n_ctx + c)
    mat = coo_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(vocab), 4 * n_ctx)
    ).tocsr()
    mat.sum_duplicates()
    total = mat.sum()
    row_sum = np.asarray(mat.sum(axis=1)).ravel()
    col_sum = np.asarray(mat.sum(axis=0)).ravel()
    coo = mat.tocoo()
    pmi = np.log(coo.data * total / (row_sum[coo.row] * col_sum[coo.col] ** 0.75 * total**0.25))
    keep = pmi > 0
    ppmi = coo_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=mat.shape).tocsr()
    rng = np.random.default_rng(0)
    # randomized SVD (range finder with two power iterations)
    q = ppmi @ rng.standard_normal((ppmi.shape[1], dims + 20))
    for _ in range(2):
        q, _ = np.linalg.qr(q)
        q = ppmi @ (ppmi.T @ q)
    q, _ = np.linalg.qr(q)
    u_small, sv, _ = np.linalg.svd(np.asarray((ppmi.T @ q).T), full_matrices=False)
    emb = (q @ u_small[:, :dims]) * np.sqrt(sv[:dims])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True) + 1e-9
    labels = [_kmeans(emb, k, rng) for k in CLUSTER_SIZES]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for i, w in enumerate(vocab):
            fh.write(f"{w}\t{'-'.join(str(int(lab[i])) for lab in labels)}\n")
    return {"words": len(vocab), "tokens": sum(counts.values()), "sizes": CLUSTER_SIZES}

PARAMS = {
    "c1": 0.01,
    "c2": 0.3,
    "max_iterations": 200,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}


def train(
    train_files: list[Path], out: Path, params: dict, holdout: Path | None = None
) -> int:
    """Fit a CRF on the given IOB files; returns the number of training sentences.

    With `holdout`, every fifth sentence is left out of training and written there (IOB) for
    choosing features and c1/c2 without touching the validation splits.
    """
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    held: list[str] = []
    for path in train_files:
        for i, (words, tags) in enumerate(read_iob(path)):
            if holdout is not None and i % 5 == 4:
                held.extend(f"{w}\t{t}\n" for w, t in zip(words, tags, strict=True))
                held.append("\n")
                continue
            trainer.append(sentence_features(words), tags)
            n += 1
    if holdout is not None:
        holdout.write_text("".join(held), encoding="utf-8")
    trainer.set_params(params)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--out", type=Path, default=ROOT / "transforms" / "models" / "ner_crf.crfsuite")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--iterations", type=int, default=PARAMS["max_iterations"])
    ap.add_argument(
        "--train", choices=("both", "nergrit", "idner"), default="both", help="training sets"
    )
    ap.add_argument(
        "--clusters",
        action="store_true",
        help=f"rebuild {CLUSTERS_PATH.name} from the unlabeled news text first",
    )
    ap.add_argument(
        "--tune",
        action="store_true",
        help="train on 4/5 of the training sentences and score the other fifth only",
    )
    args = ap.parse_args(argv)
    ner = args.corpora / "ner"
    train_files = {
        "both": [ner / "nergrit" / "train_preprocess.txt", ner / "idner_news_2k" / "train.txt"],
        "nergrit": [ner / "nergrit" / "train_preprocess.txt"],
        "idner": [ner / "idner_news_2k" / "train.txt"],
    }[args.train]
    report: dict = {}
    if args.clusters:
        report["clusters"] = build_clusters(args.corpora, train_files, CLUSTERS_PATH)
        from transforms.entities.features import clusters

        clusters.cache_clear()
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    start = time.time()
    holdout = args.out.with_suffix(".holdout.iob") if args.tune else None
    n = train(train_files, args.out, params, holdout)
    report |= {
        "model": str(args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out),
        "train_sentences": n,
        "params": params,
        "seconds": round(time.time() - start, 1),
        "size_bytes": args.out.stat().st_size,
    }
    from transforms.entities import ner as ner_module

    ner_module.use_model(args.out)
    from transforms.entities import score_iob_file

    splits = (
        (("train_holdout", holdout),)
        if holdout
        else (
            ("nergrit_valid", ner / "nergrit" / "valid_preprocess.txt"),
            ("idner_dev", ner / "idner_news_2k" / "dev.txt"),
        )
    )
    for name, path in splits:
        report[name] = score_iob_file(path)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
