"""Precision and recall of near-duplicate pair detection on labelled data from news_id_2025.

The labelled set (built at run time, never committed):
- every distinct article of ../shared/corpora/news_id_2025 (first row per URL, exact
  repeats dropped as the exact-dedupe stage would), each its own story;
- for a sample of them, planted copies of four kinds: word edits (1-10% of words replaced,
  deleted or inserted), paragraph moves, another outlet's header and footer, and all three;
- the real near-duplicates: URLs scraped on several days whose body changed.
A pair is positive when both documents belong to the same story. Predicted pairs are the
pairs inside one cluster (what analysts see), so a wrong link that merges two stories costs
every cross pair.

It sweeps the shingle size, the LSH banding and the threshold, prints a table, checks the
default settings through the real warehouse path (store_minhash + link_batch on a DuckDB
file, batch by batch), and plots precision and recall against the threshold.

    uv run python scripts/eval_near_dupes.py [--plot out/near_dupes_pr.png] [--copies 1200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.inmemory import candidate_pairs, components
from bench.synth import (
    DEFAULT_CORPUS,
    KINDS,
    Mutator,
    changed_versions,
    load_news,
    originals,
    pair_scores,
    vocabulary,
)
from transforms.near_dupes import NearDupConfig, band_keys, pair_similarity, signature_matrix

THRESHOLDS = [round(x, 2) for x in np.arange(0.30, 0.96, 0.05)]
SHINGLES = (2, 3, 4, 5)
BANDINGS = ((32, 4), (16, 8), (64, 2))


def build_labelled(root: Path, n_copies: int, seed: int,
                   outlets: list[str] | None = None) -> tuple[list[str], list[int], list[str]]:
    """(bodies, story label per body, kind per body: original/changed/edit/...).

    Pass a list as `outlets` to get each body's outlet appended to it.
    """
    outlets = outlets if outlets is not None else []
    rows = load_news(root)
    base = originals(rows)
    bodies = [r.body for r in base]
    label = list(range(len(base)))
    kind = ["original"] * len(base)
    outlets.extend(r.outlet for r in base)
    index_of_url = {r.url: i for i, r in enumerate(base)}
    next_label = 10**6
    for versions in changed_versions(rows):
        story = index_of_url.get(versions[0].url)
        if story is None:  # its first version was dropped (a body seen under another URL)
            story, next_label = next_label, next_label + 1
            bodies.append(versions[0].body)
            label.append(story)
            kind.append("original")
            outlets.append(versions[0].outlet)
        ref = bodies[story] if story < 10**6 else versions[0].body
        for v in versions:
            if v.body != ref:
                bodies.append(v.body)
                label.append(story)
                kind.append("changed")
                outlets.append(v.outlet)
    mut = Mutator(seed, vocabulary(rows), [r.title for r in base if r.title])
    rng = np.random.default_rng(seed)
    sources = rng.choice(len(base), size=min(n_copies, len(base)), replace=False)
    for n, src in enumerate(sorted(sources.tolist())):
        k = KINDS[n % len(KINDS)]
        text, outlet = mut.copy(base[src].body, k, base[src].outlet)
        outlets.append(outlet or base[src].outlet)
        bodies.append(text)
        label.append(src)
        kind.append(k)
    return bodies, label, kind


def sweep(bodies: list[str], label: list[int], kind: list[str], seed: int) -> list[dict]:
    """P/R for every shingle size x banding x threshold (clusters of confirmed pairs)."""
    results = []
    for k in SHINGLES:
        cfg0 = NearDupConfig(shingle_size=k, seed=seed)
        sig, n_sh = signature_matrix(bodies, cfg0)
        for bands, rows in BANDINGS:
            cfg = replace(cfg0, bands=bands, rows=rows)
            eligible = np.flatnonzero(n_sh >= cfg.min_shingles)
            cand = eligible[candidate_pairs(band_keys(sig[eligible], cfg))]
            sims = pair_similarity(sig, cand[:, 0], cand[:, 1])
            for t in THRESHOLDS:
                labels = components(len(bodies), cand[sims >= t])
                s = pair_scores(labels.tolist(), label)
                s.update(shingle=k, bands=bands, rows=rows, threshold=t,
                         candidates=len(cand), recall_by_kind=recall_by_kind(labels, label, kind))
                results.append(s)
    return results


def recall_by_kind(labels: np.ndarray, label: list[int], kind: list[str]) -> dict[str, float]:
    """Share of planted/changed copies that ended in their story's cluster."""
    first: dict[int, int] = {}
    for i, (lab, kd) in enumerate(zip(label, kind, strict=True)):
        if kd == "original":
            first.setdefault(lab, i)
    hit: Counter = Counter()
    total: Counter = Counter()
    for i, (lab, kd) in enumerate(zip(label, kind, strict=True)):
        if kd == "original":
            continue
        ref = first.get(lab)
        if ref is None:
            continue
        total[kd] += 1
        hit[kd] += int(labels[i] == labels[ref])
    return {kd: hit[kd] / total[kd] for kd in sorted(total)}


def warehouse_check(bodies: list[str], label: list[int], outlets: list[str], cfg: NearDupConfig,
                    batch_size: int = 1000, min_docs: int = 20, min_share: float = 0.02) -> dict:
    """The default settings through store_minhash + link_batch on a real DuckDB file, then
    learn_boilerplate on the same documents (paragraph = a line of the body)."""
    import duckdb
    import pyarrow as pa

    from transforms.near_dupes import signature_table
    from warehouse.near_dupes import learn_boilerplate, link_batch, store_minhash
    from warehouse.schema import apply_schema

    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "eval.duckdb"))
        apply_schema(con)
        ids = [f"d{i:06d}" for i in range(len(bodies))]
        t0 = time.perf_counter()
        for lo in range(0, len(bodies), batch_size):
            batch = f"b{lo // batch_size:04d}"
            sl = slice(lo, lo + batch_size)
            docs = pa.table({
                "doc_id": ids[sl], "source_uri": ["eval"] * len(ids[sl]),
                "record_index": list(range(lo, lo + len(ids[sl]))), "file_hash": ["x"] * len(ids[sl]),
                "format": ["csv"] * len(ids[sl]), "body": bodies[sl], "content_hash": ids[sl],
                "n_paragraphs": [1] * len(ids[sl]), "n_repeated_paragraphs": [0] * len(ids[sl]),
                "n_boilerplate_lines": [0] * len(ids[sl]), "n_chars": [len(b) for b in bodies[sl]],
                "run_id": ["eval"] * len(ids[sl]), "batch_id": [batch] * len(ids[sl]),
                "outlet": outlets[sl],
            })
            paras = pa.table({
                "doc_id": [d for d, b in zip(ids[sl], bodies[sl], strict=True) for _ in b.split("\n")],
                "position": [j for b in bodies[sl] for j in range(len(b.split("\n")))],
                "text": [p for b in bodies[sl] for p in b.split("\n")],
            })
            con.execute("BEGIN")
            con.register("_docs", docs)
            con.execute("INSERT INTO documents BY NAME SELECT *, now() AS ingested_at FROM _docs")
            con.unregister("_docs")
            con.register("_paras", paras)
            con.execute("INSERT INTO paragraphs BY NAME SELECT * FROM _paras")
            con.unregister("_paras")
            store_minhash(con, batch, signature_table(ids[sl], bodies[sl], cfg), cfg=cfg)
            link_batch(con, batch, "eval", cfg)
            con.execute("COMMIT")
        seconds = time.perf_counter() - t0
        got = dict(con.execute("SELECT doc_id, cluster_id FROM documents").fetchall())
        learned = learn_boilerplate(con, min_docs=min_docs, min_share=min_share)
        boiler = con.execute("""
            SELECT outlet, count(*) AS n, list(left(example, 40) ORDER BY n_docs DESC)[1:4]
            FROM boilerplate_paragraphs GROUP BY outlet ORDER BY outlet""").fetchall()
        con.close()
    s = pair_scores([got[i] for i in ids], label)
    s.update(seconds=seconds, boilerplate=learned, boilerplate_by_outlet=boiler)
    return s


def plot(results: list[dict], cfg: NearDupConfig, path: Path) -> Path:
    """Precision and recall against the threshold for each shingle size (default banding)."""
    series = {}
    for k in SHINGLES:
        rows = [r for r in results if r["shingle"] == k and r["bands"] == cfg.bands
                and r["rows"] == cfg.rows]
        series[k] = ([r["threshold"] for r in rows], [r["precision"] for r in rows],
                     [r["recall"] for r in rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if path.suffix != ".svg":
            path = path.with_suffix(".svg")
            print(f"(matplotlib not installed: writing an SVG instead, {path})")
        path.write_text(_svg(series, cfg), encoding="utf-8")
        return path
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    colours = dict(zip(SHINGLES, ("#1b9e77", "#d95f02", "#7570b3", "#e7298a"), strict=True))
    for k, (ts, ps, rs) in series.items():
        ax.plot(ts, ps, "-o", ms=3, color=colours[k], label=f"precision, {k}-word shingles")
        ax.plot(ts, rs, "--s", ms=3, color=colours[k], label=f"recall, {k}-word shingles")
    ax.axvline(cfg.threshold, color="grey", lw=0.8)
    ax.set_xlabel("threshold (estimated Jaccard)")
    ax.set_ylabel("pair precision / recall")
    ax.set_ylim(0.0, 1.01)
    ax.set_title(f"Near-duplicate pairs, news_id_2025 labelled set ({cfg.bands}x{cfg.rows} bands)")
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _svg(series: dict, cfg: NearDupConfig) -> str:
    """A dependency-free line chart."""
    w, h, m = 640, 400, 50
    def x(t: float) -> float:
        return m + (t - 0.3) / 0.65 * (w - 2 * m)
    def y(v: float) -> float:
        return h - m - v * (h - 2 * m)
    colours = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-size="11">',
             f'<rect width="{w}" height="{h}" fill="white"/>',
             f'<line x1="{m}" y1="{y(0)}" x2="{w - m}" y2="{y(0)}" stroke="black"/>',
             f'<line x1="{m}" y1="{y(0)}" x2="{m}" y2="{y(1)}" stroke="black"/>',
             f'<line x1="{x(cfg.threshold)}" y1="{y(0)}" x2="{x(cfg.threshold)}" y2="{y(1)}" stroke="grey"/>']
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{m - 30}" y="{y(v) + 4}">{v:.2f}</text>')
    for t in (0.3, 0.5, 0.7, 0.9):
        parts.append(f'<text x="{x(t) - 10}" y="{h - m + 16}">{t:.1f}</text>')
    parts.append(f'<text x="{w / 2 - 80}" y="{h - 10}">threshold (estimated Jaccard)</text>')
    parts.append(f'<text x="{m}" y="20" font-size="13">Near-duplicate pair precision and recall, '
                 f'news_id_2025 labelled set ({cfg.bands}x{cfg.rows} bands; grey: default '
                 f'{cfg.threshold})</text>')
    for n, (k, (ts, ps, rs)) in enumerate(series.items()):
        c = colours[n % len(colours)]
        for vals, dash in ((ps, ""), (rs, ' stroke-dasharray="5,3"')):
            pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(ts, vals, strict=True))
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{c}"{dash}/>')
        parts.append(f'<text x="{m + 15}" y="{y(0.3) + 14 * n}" fill="{c}">{k}-word shingles '
                     '(solid: precision, dashed: recall)</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--plot", type=Path, default=Path("out/near_dupes_pr.png"),
                    help="PNG needs matplotlib (not a warta dependency); otherwise an SVG "
                         "is written beside it")
    ap.add_argument("--copies", type=int, default=1200, help="planted copies (sources sampled)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip-warehouse", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    outlets: list[str] = []
    bodies, label, kind = build_labelled(args.corpus, args.copies, args.seed, outlets)
    print(f"labelled set: {len(bodies)} documents, {len(set(label))} stories, kinds "
          f"{dict(Counter(kind))}, {pair_scores(label, label)['true_pairs']} true pairs "
          f"({time.perf_counter() - t0:.1f}s)")
    cfg = NearDupConfig()
    results = sweep(bodies, label, kind, cfg.seed)
    print(f"\n{'k':>2} {'bands':>7} {'t':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'cand':>7}")
    for r in results:
        f1 = 2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"] or 1)
        r["f1"] = f1
        if r["threshold"] in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9):
            print(f"{r['shingle']:>2} {r['bands']:>3}x{r['rows']:<3} {r['threshold']:>5.2f} "
                  f"{r['precision']:>9.3f} {r['recall']:>7.3f} {f1:>6.3f} {r['candidates']:>7}")
    best = max(results, key=lambda r: (round(r["f1"], 3), -r["candidates"]))
    print(f"\nbest F1: k={best['shingle']} {best['bands']}x{best['rows']} t={best['threshold']} "
          f"P={best['precision']:.3f} R={best['recall']:.3f}")
    default = next(r for r in results if r["shingle"] == cfg.shingle_size and r["bands"] == cfg.bands
                   and r["rows"] == cfg.rows and r["threshold"] == cfg.threshold)
    print(f"default {cfg.fingerprint} t={cfg.threshold}: precision {default['precision']:.3f} "
          f"recall {default['recall']:.3f} ({default['tp']} of {default['true_pairs']} true pairs, "
          f"{default['predicted_pairs']} predicted); recall by kind {default['recall_by_kind']}")
    if not args.skip_warehouse:
        w = warehouse_check(bodies, label, outlets, cfg)
        print(f"warehouse path (link_batch, batches of 1000): precision {w['precision']:.3f} "
              f"recall {w['recall']:.3f} in {w['seconds']:.1f}s")
        print(f"learned boilerplate (>= 20 clusters and >= 2% of an outlet's): {w['boilerplate']} "
              "paragraphs")
        for outlet, n, examples in w["boilerplate_by_outlet"]:
            print(f"  {outlet}: {n}, e.g. {examples}")
    out = plot(results, cfg, args.plot)
    print(f"plot: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
