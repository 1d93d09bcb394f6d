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

from transforms.entities.features import sentence_features  # noqa: E402
from transforms.entities.iob import read_iob  # noqa: E402

PARAMS = {
    "c1": 0.01,
    "c2": 0.1,
    "max_iterations": 200,
    "feature.possible_transitions": True,
    "feature.minfreq": 1,
}


def train(train_files: list[Path], out: Path, params: dict) -> int:
    """Fit a CRF on the given IOB files; returns the number of training sentences."""
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for path in train_files:
        for words, tags in read_iob(path):
            trainer.append(sentence_features(words), tags)
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
    args = ap.parse_args(argv)
    ner = args.corpora / "ner"
    train_files = {
        "both": [ner / "nergrit" / "train_preprocess.txt", ner / "idner_news_2k" / "train.txt"],
        "nergrit": [ner / "nergrit" / "train_preprocess.txt"],
        "idner": [ner / "idner_news_2k" / "train.txt"],
    }[args.train]
    params = {**PARAMS, "c1": args.c1, "c2": args.c2, "max_iterations": args.iterations}
    start = time.time()
    n = train(train_files, args.out, params)
    report = {
        "model": str(args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out),
        "train_sentences": n,
        "params": params,
        "seconds": round(time.time() - start, 1),
        "size_bytes": args.out.stat().st_size,
    }
    from transforms.entities import ner as ner_module

    ner_module.use_model(args.out)
    from transforms.entities import score_iob_file

    for name, path in (
        ("nergrit_valid", ner / "nergrit" / "valid_preprocess.txt"),
        ("idner_dev", ner / "idner_news_2k" / "dev.txt"),
    ):
        report[name] = score_iob_file(path)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
