"""Generate a benchmark corpus with a known duplicate structure from news_id_2025.

N documents (default 100,000) as JSONL files of 1,000 records (fields: url, title, text,
source, date, author), written outside the repository, plus truth.jsonl: one line per
story with the urls of all its documents. Deterministic for a given seed and N.

- 75% are distinct stories: the corpus's own distinct articles, then "collages" of 3-8
  paragraphs of 2-4 sentences drawn from the corpus's pool of distinct sentences (~90,000):
  a sentence is a small part of any document, so two collages share almost no shingles.
  (Drawing whole paragraphs instead made collages that share one long paragraph, which are
  near-duplicates by any measure and chained into clusters of 100+.)
- 5% are exact copies of a story (a re-scrape);
- 20% are near copies of the kinds in bench.synth (word edits, paragraph moves, another
  outlet's header and footer, all three), of stories chosen at random.

    uv run python -m bench.make_corpus --n 100000 --out /tmp/warta-bench/100k
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

from bench.synth import DEFAULT_CORPUS, KINDS, Mutator, load_news, originals, vocabulary

EXACT_SHARE = 0.05
NEAR_SHARE = 0.20
RECORDS_PER_FILE = 1000


def make_corpus(n: int, out: Path, seed: int = 7, root: Path = DEFAULT_CORPUS) -> dict:
    """Write the corpus and truth file; returns counts."""
    rng = random.Random(seed)
    rows = load_news(root)
    base_rows = originals(rows)
    pool = sentence_pool(base_rows)
    titles = [r.title for r in base_rows if r.title]
    outlets = sorted({r.outlet for r in base_rows if r.outlet})
    mut = Mutator(seed, vocabulary(rows), titles)

    n_exact = int(n * EXACT_SHARE)
    n_near = int(n * NEAR_SHARE)
    n_base = n - n_exact - n_near
    stories: list[dict] = []
    for i in range(n_base):
        if i < len(base_rows):
            r = base_rows[i]
            body, title, outlet, author = r.body, r.title, r.outlet, r.author
        else:
            body = "\n".join(" ".join(rng.sample(pool, rng.randint(2, 4)))
                             for _ in range(rng.randint(3, 8)))
            title, outlet, author = rng.choice(titles), rng.choice(outlets), ""
        day = rng.randint(1, 20)
        stories.append({"url": f"https://bench.example/{outlet}/{i}", "title": title,
                        "text": body, "source": outlet, "date": f"2025-06-{day:02d}",
                        "author": author, "_story": i})
    records = list(stories)
    for j in range(n_exact):
        s = stories[rng.randrange(n_base)]
        records.append({**s, "url": f"{s['url']}?rescrape={j}"})
    for j in range(n_near):
        s = stories[rng.randrange(n_base)]
        kind = KINDS[j % len(KINDS)]
        text, outlet = mut.copy(s["text"], kind, s["source"])
        day = min(int(s["date"][-2:]) + rng.randint(0, 3), 28)
        records.append({**s, "url": f"https://bench.example/{outlet or s['source']}/copy{j}",
                        "text": text, "source": outlet or s["source"],
                        "date": f"2025-06-{day:02d}", "_kind": kind})
    rng.shuffle(records)

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.jsonl"):
        old.unlink()
    groups: dict[int, list[str]] = {}
    n_bytes = 0
    for f in range(0, len(records), RECORDS_PER_FILE):
        with (out / f"part-{f // RECORDS_PER_FILE:05d}.jsonl").open("w", encoding="utf-8") as fh:
            for rec in records[f: f + RECORDS_PER_FILE]:
                groups.setdefault(rec["_story"], []).append(rec["url"])
                clean = {k: v for k, v in rec.items() if not k.startswith("_")}
                line = json.dumps(clean, ensure_ascii=False) + "\n"
                n_bytes += len(line.encode("utf-8"))
                fh.write(line)
    with (out / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for story in sorted(groups):
            fh.write(json.dumps({"story": story, "urls": groups[story]}) + "\n")
    true_pairs = sum(len(u) * (len(u) - 1) // 2 for u in groups.values())
    return {"documents": len(records), "stories": len(groups), "exact_copies": n_exact,
            "near_copies": n_near, "true_pairs": true_pairs, "bytes": n_bytes, "out": str(out)}


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentence_pool(rows: list) -> list[str]:
    """Distinct sentences of five words or more, in corpus order."""
    seen: dict[str, None] = {}
    for r in rows:
        for para in r.body.split("\n"):
            for sent in _SENTENCE_END.split(para):
                if len(sent.split()) >= 5:
                    seen.setdefault(sent.strip(), None)
    return list(seen)


def read_truth(folder: Path) -> dict[str, int]:
    """url -> story id, from truth.jsonl."""
    out = {}
    with (folder / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            for u in g["urls"]:
                out[u] = g["story"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=None, help="default /tmp/warta-bench/<n>")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = ap.parse_args(argv)
    out = args.out or Path(f"/tmp/warta-bench/{args.n}")
    t0 = time.perf_counter()
    stats = make_corpus(args.n, out, args.seed, args.corpus)
    print(json.dumps({**stats, "seconds": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
