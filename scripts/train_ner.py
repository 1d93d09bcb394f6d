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
from functools import partial
from pathlib import Path

import pycrfsuite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.entities.features import (  # noqa: E402
    CLUSTERS_PATH,
    DOMAIN_PREFIX,
    TOKEN,
    sentence_items,
)
from transforms.entities.iob import read_iob, to_bioes  # noqa: E402

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
    corpora: Path,
    train_files: list[Path],
    out: Path,
    min_count: int = 3,
    dims: int = 60,
    sizes: tuple[int, ...] = CLUSTER_SIZES,
    vector_dims: int = 0,
) -> dict:
    """Distributional word clusters: PPMI of position-aware neighbour counts (offsets -2..2
    over the 3,000 commonest words), SVD to `dims`, then k-means at each of `sizes`. Writes
    ``word<TAB>c32-c128-c512<TAB>cap bucket`` for lower-cased words seen `min_count` times,
    and with `vector_dims` the leading SVD components to ``<out stem>.vectors.npy``; only
    these mappings ship, not the text."""
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
    labels = [_kmeans(emb, k, rng) for k in sizes]
    vec_path = out.with_name(out.stem + ".vectors.npy")
    if vector_dims:  # the leading SVD components, each scaled to unit variance
        vec = emb[:, :vector_dims]
        np.save(vec_path, (vec / vec.std(axis=0)).astype(np.float16))
    elif vec_path.exists():
        vec_path.unlink()
    caps = _cap_buckets(corpora)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for i, w in enumerate(vocab):
            cid = "-".join(str(int(lab[i])) for lab in labels)
            fh.write(f"{w}\t{cid}\t{caps.get(w, '')}\n")
    return {"words": len(vocab), "tokens": sum(counts.values()), "sizes": sizes}


CAP_BUCKETS = (0.02, 0.2, 0.5, 0.8, 0.98)


def _cap_buckets(corpora: Path, min_count: int = 3) -> dict[str, int]:
    """How often a word is capitalised away from a sentence start in the unlabeled news
    (news_id_2025, detik_1k only; not the NER training text), bucketed at CAP_BUCKETS:
    0 almost never ... 5 almost always. Words seen fewer than `min_count` times there get
    no bucket."""
    from bisect import bisect_right
    from collections import Counter

    seen: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    for tokens in _news_lines(corpora):
        prev = "."
        for tok in tokens:
            if prev not in {".", "!", "?", '"', "“", ":"} and tok[:1].isalpha():
                low = tok.lower()
                seen[low] += 1
                capitalised[low] += tok[:1].isupper()
            prev = tok
    return {
        w: bisect_right(CAP_BUCKETS, capitalised[w] / c) for w, c in seen.items() if c >= min_count
    }

def _news_lines(corpora: Path):
    """The tokens of each line of the unlabeled news bodies (news_id_2025, detik_1k)."""
    for text in _unlabeled_texts(corpora, []):
        for line in text.splitlines():
            yield TOKEN.findall(line)


def _news_sentences(corpora: Path, every: int):
    """Every `every`-th sentence (6-60 tokens, a capitalised word after the first) of the
    unlabeled news bodies, split at . ! ? tokens and line breaks."""
    k = 0
    for tokens in _news_lines(corpora):
        sent: list[str] = []
        for tok in tokens:
            sent.append(tok)
            if tok in {".", "!", "?"}:
                if 6 <= len(sent) <= 60 and any(w[:1].isupper() for w in sent[1:]):
                    k += 1
                    if k % every == 0:
                        yield sent
                sent = []


def pseudo_labeled(
    model: Path, corpora: Path, n: int, min_prob: float, every: int = 4
) -> list[tuple[list[str], list[str]]]:
    """Self-training data: unlabeled news sentences tagged by `model` (python-crfsuite, no
    post-rules), the `n` most probable label sequences among those with an entity and
    P(labels | words) >= `min_prob`. Used for training only; the text is not stored."""
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    scored = []
    for words in _news_sentences(corpora, every):
        tagger.set(sentence_items(words))
        tags = tagger.tag()
        if all(t == "O" for t in tags):
            continue
        p = tagger.probability(tags)
        if p >= min_prob:
            scored.append((p, words, tags))
    scored.sort(key=lambda x: -x[0])
    return [(w, t) for _, w, t in scored[:n]]


ALGORITHM = "lbfgs"
DOMAINS = 0.0
SELF_TRAIN = 0
VECTOR_DIMS = 10
MIN_PROB = 0.9
PARAMS = {
    "c1": 0.01,
    "c2": 0.3,
    "max_iterations": 200,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}


def _augment(
    feats: list[list[str]] | list[dict[str, float]], domain: int, value: float
) -> list[dict[str, float]]:
    """'Frustratingly easy' domain adaptation: every feature twice, as itself (general) and
    as a copy private to its training set (``@{domain}:feature``) with attribute value
    `value`. Tagging never produces the private copies, so only the general weights act at
    run time (the decoder skips them). A value below 1 makes the same L2 penalty cost the
    private copies 1/value^2 more, leaving most of the weight on the general features."""
    tag = f"{DOMAIN_PREFIX}{domain}:"
    out = []
    for f in feats:
        item = dict(f) if isinstance(f, dict) else dict.fromkeys(f, 1.0)  # vectors: real values
        for x, v in list(item.items()):
            item[tag + x] = value * v
        out.append(item)
    return out


def train(
    train_files: list[Path],
    out: Path,
    params: dict,
    holdout: Path | None = None,
    algorithm: str = "lbfgs",
    domains: float = 0.0,
    fold: int = 4,
    extra: list[tuple[list[str], list[str]]] = (),
    repeats: tuple[int, ...] = (),
    scheme: str = "iob",
) -> int:
    """Fit a CRF on the given IOB files; returns the number of training sentences.

    With `holdout`, every fifth sentence (index `fold` mod 5) is left out of training and written there (IOB) for
    choosing features and c1/c2 without touching the validation splits; each training set's
    held-out fifth is also written on its own (``.{index}.iob``).
    """
    trainer = pycrfsuite.Trainer(algorithm=algorithm, verbose=False)
    n = 0
    held: list[str] = []
    for d, path in enumerate(train_files):
        mine: list[str] = []
        for i, (words, tags) in enumerate(read_iob(path)):
            if holdout is not None and i % 5 == fold:
                mine.extend(f"{w}\t{t}\n" for w, t in zip(words, tags, strict=True))
                mine.append("\n")
                continue
            feats = sentence_items(words)
            if scheme == "bioes":
                tags = to_bioes(tags)
            for _ in range(repeats[d] if d < len(repeats) else 1):
                trainer.append(_augment(feats, d, domains) if domains else feats, tags)
                n += 1
        if holdout is not None:
            holdout.with_suffix(f".{d}.iob").write_text("".join(mine), encoding="utf-8")
        held.extend(mine)
    if holdout is not None:
        holdout.write_text("".join(held), encoding="utf-8")
    for words, tags in extra:  # self-training: confidently tagged unlabeled sentences
        trainer.append(sentence_items(words), tags)
        n += 1
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
    ap.add_argument(
        "--algorithm", choices=("lbfgs", "l2sgd", "ap", "pa", "arow"), default=ALGORITHM
    )
    ap.add_argument("--param", action="append", default=[], help="extra trainer key=value")
    ap.add_argument(
        "--domains",
        type=float,
        default=DOMAINS,
        help="value of per-training-set feature copies (domain adaptation; 0 = off)",
    )
    ap.add_argument("--sizes", default="", help="cluster counts, e.g. 32,128,512")
    ap.add_argument(
        "--vectors", type=int, default=VECTOR_DIMS, help="--clusters: vector dims written too"
    )
    ap.add_argument("--dims", type=int, default=60, help="SVD dimensions for the clusters")
    ap.add_argument(
        "--cluster-file",
        type=Path,
        default=CLUSTERS_PATH,
        help="word-cluster file to build (--clusters) and train with (experiments)",
    )
    ap.add_argument("--fold", type=int, default=4, help="--tune: hold out sentences i%%5 == fold")
    ap.add_argument(
        "--self-train",
        type=int,
        default=SELF_TRAIN,
        help="add this many confidently tagged unlabeled news sentences and train again",
    )
    ap.add_argument("--min-prob", type=float, default=MIN_PROB)
    ap.add_argument("--scheme", choices=("iob", "bioes"), default="iob",
                    help="label scheme the CRF learns (the decoder reads either)")
    ap.add_argument("--repeats", default="", help="times each training set is used, e.g. 2,1")
    args = ap.parse_args(argv)
    ner = args.corpora / "ner"
    train_files = {
        "both": [ner / "nergrit" / "train_preprocess.txt", ner / "idner_news_2k" / "train.txt"],
        "nergrit": [ner / "nergrit" / "train_preprocess.txt"],
        "idner": [ner / "idner_news_2k" / "train.txt"],
    }[args.train]
    report: dict = {}
    from transforms.entities import features

    if args.cluster_file != CLUSTERS_PATH:
        features.CLUSTERS_PATH = args.cluster_file
        features.clusters.cache_clear()
        features.vector_table.cache_clear()
    if args.clusters:
        sizes = tuple(int(x) for x in args.sizes.split(",")) if args.sizes else CLUSTER_SIZES
        report["clusters"] = build_clusters(
            args.corpora, train_files, args.cluster_file, dims=args.dims, sizes=sizes,
            vector_dims=args.vectors,
        )
        features.clusters.cache_clear()
        features.vector_table.cache_clear()
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    if args.algorithm != "lbfgs":  # c1/c2 are L-BFGS (c2 also l2sgd) parameters
        params = {k: v for k, v in params.items() if k not in ("c1", "c2")}
        if args.algorithm == "l2sgd":
            params["c2"] = args.c2
    for item in args.param:
        key, _, value = item.partition("=")
        params[key] = float(value) if value.replace(".", "", 1).isdigit() else value
    start = time.time()
    holdout = args.out.with_suffix(".holdout.iob") if args.tune else None
    repeats = tuple(int(x) for x in args.repeats.split(",")) if args.repeats else ()
    train_with = partial(
        train, train_files, args.out, params, holdout, args.algorithm, args.domains, args.fold,
        repeats=repeats, scheme=args.scheme,
    )
    n = train_with()
    if args.self_train:
        extra = pseudo_labeled(args.out, args.corpora, args.self_train, args.min_prob)
        report["self_training_sentences"] = len(extra)
        n = train_with(extra)
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
        (
            ("train_holdout", holdout),
            *((f"holdout_{f.parent.name}", holdout.with_suffix(f".{d}.iob"))
              for d, f in enumerate(train_files)),
        )
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
