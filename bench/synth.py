"""Labelled near-duplicates made from the shared news corpus, read at run time.

Used by scripts/eval_near_dupes.py (accuracy) and bench/make_corpus.py (scale). Nothing here
is committed news text: the corpus is read from ../shared/corpora/news_id_2025 when run, and
the headers and footers of the fictional outlets below are written for this project.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "news_id_2025"
MIN_BODY_CHARS = 200  # the pipeline rejects shorter bodies (transforms.config.min_body_chars)

KINDS = ("edit", "reorder", "outlet", "mixed")

# Fictional outlets: how a re-posting site frames someone else's story.
_OUTLETS = (
    ("kabarnusa.example", "{city}, KABARNUSA.EXAMPLE - ",
     ["Baca juga: {title}", "Simak berita pilihan KabarNusa lainnya di kanal WhatsApp kami.",
      "Artikel ini telah tayang di KabarNusa dengan judul \"{title}\". Penulis: {author}"]),
    ("warta-harian.example", "WartaHarian.example, {city} -- ",
     ["ADVERTISEMENT", "Ikuti WartaHarian di Google News untuk kabar terbaru setiap hari.",
      "Copyright 2025 WartaHarian. Dilarang mengutip tanpa izin."]),
    ("suaralokal.example", "{city} (SuaraLokal) - ",
     ["Dapatkan update berita pilihan dan breaking news setiap hari dari SuaraLokal.",
      "Editor: {author}", "Sumber: {source}"]),
)
_CITIES = ("Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Denpasar")


@dataclass
class NewsRow:
    """One row of the shared CSVs (day = which daily file it came from)."""

    day: str
    outlet: str
    url: str
    title: str
    author: str
    date: str
    body: str
    extra: dict[str, str] = field(default_factory=dict)


def load_news(root: Path = DEFAULT_CORPUS) -> list[NewsRow]:
    """All rows of the daily CSV files, in file order."""
    rows: list[NewsRow] = []
    for path in sorted(Path(root).glob("*.csv")):
        day = path.stem.rsplit("_", 1)[-1]
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                rows.append(NewsRow(day, r.get("sumber") or "", r.get("url") or "",
                                    r.get("judul") or "", r.get("author") or "",
                                    r.get("tanggal_publikasi") or "", r.get("isi_berita") or ""))
    if not rows:
        raise FileNotFoundError(f"no CSV files under {root}")
    return rows


def originals(rows: list[NewsRow]) -> list[NewsRow]:
    """First row per URL, dropping bodies seen before and bodies the pipeline rejects."""
    seen_url: set[str] = set()
    seen_body: set[str] = set()
    out = []
    for r in rows:
        if r.url in seen_url or r.body in seen_body or len(r.body) < MIN_BODY_CHARS:
            continue
        seen_url.add(r.url)
        seen_body.add(r.body)
        out.append(r)
    return out


def changed_versions(rows: list[NewsRow]) -> list[list[NewsRow]]:
    """Real near-duplicates: a URL scraped on several days whose body changed."""
    by_url: dict[str, list[NewsRow]] = {}
    for r in rows:
        if len(r.body) >= MIN_BODY_CHARS:
            by_url.setdefault(r.url, []).append(r)
    groups = []
    for versions in by_url.values():
        distinct: dict[str, NewsRow] = {}
        for v in versions:
            distinct.setdefault(v.body, v)
        if len(distinct) > 1:
            groups.append(list(distinct.values()))
    return groups


_WORD = re.compile(r"\S+")


class Mutator:
    """Deterministic (by seed) copy-makers: word edits, paragraph moves, another outlet's frame."""

    def __init__(self, seed: int, vocab: list[str], titles: list[str]) -> None:
        self.rng = random.Random(seed)
        self.vocab = vocab
        self.titles = titles

    def edit_words(self, body: str, rate: float) -> str:
        """Replace, delete or insert about `rate` of the words (paragraphs kept)."""
        rng = self.rng
        paras = body.split("\n")
        out = []
        for p in paras:
            words = p.split(" ")
            new: list[str] = []
            for w in words:
                x = rng.random()
                if x < rate / 3:
                    new.append(rng.choice(self.vocab))          # replace
                elif x < 2 * rate / 3:
                    continue                                      # delete
                elif x < rate:
                    new.extend([w, rng.choice(self.vocab)])      # insert
                else:
                    new.append(w)
            out.append(" ".join(new))
        return "\n".join(out)

    def reorder(self, body: str) -> str:
        """Move one or two paragraphs elsewhere (an editor reshuffling a story)."""
        paras = body.split("\n")
        if len(paras) < 3:
            return self.edit_words(body, 0.02)
        for _ in range(self.rng.choice((1, 2))):
            p = paras.pop(self.rng.randrange(len(paras)))
            paras.insert(self.rng.randrange(len(paras) + 1), p)
        return "\n".join(paras)

    def reframe(self, body: str, source: str) -> tuple[str, str]:
        """Another outlet's header glued to the lead and its footer lines: (body, outlet)."""
        rng = self.rng
        outlet, header, footer = rng.choice(_OUTLETS)
        fill = {"city": rng.choice(_CITIES), "title": rng.choice(self.titles),
                "author": rng.choice(("Rina S.", "Agus W.", "Dewi K.", "Budi H.")),
                "source": source}
        paras = body.split("\n")
        paras[0] = header.format(**fill) + paras[0]
        tail = [line.format(**fill) for line in footer]
        rng.shuffle(tail)
        return "\n".join(paras + tail[: rng.choice((2, 3))]), outlet

    def copy(self, body: str, kind: str, source: str) -> tuple[str, str | None]:
        """A near copy of `body` of the given kind: (new body, new outlet or None)."""
        rng = self.rng
        if kind == "edit":
            return self.edit_words(body, rng.choice((0.01, 0.03, 0.05, 0.08, 0.10))), None
        if kind == "reorder":
            return self.reorder(body), None
        if kind == "outlet":
            return self.reframe(body, source)
        if kind == "mixed":
            text, outlet = self.reframe(self.reorder(body), source)
            return self.edit_words(text, rng.choice((0.01, 0.03, 0.05))), outlet
        raise ValueError(kind)


def vocabulary(rows: list[NewsRow], limit: int = 20000) -> list[str]:
    """Words of the corpus itself, so edits look like the language around them."""
    seen: dict[str, None] = {}
    for r in rows:
        for w in _WORD.findall(r.body):
            if w.isalpha():
                seen.setdefault(w, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def pairs_of(groups: dict[int, list[int]]) -> Iterator[tuple[int, int]]:
    """All (i < j) pairs inside each group."""
    for members in groups.values():
        ms = sorted(members)
        for x in range(len(ms)):
            for y in range(x + 1, len(ms)):
                yield ms[x], ms[y]


def pair_scores(predicted: list, truth: list) -> dict[str, float]:
    """Pair precision/recall of a clustering against true groups (one label per document).

    Counted through the contingency table, so 100,000 documents cost no pair lists.
    """
    from collections import Counter

    def n2(n: int) -> int:
        return n * (n - 1) // 2

    cells = Counter(zip(predicted, truth, strict=True))
    tp = sum(n2(c) for c in cells.values())
    pred = sum(n2(c) for c in Counter(predicted).values())
    true = sum(n2(c) for c in Counter(truth).values())
    return {"precision": tp / pred if pred else 1.0, "recall": tp / true if true else 1.0,
            "tp": tp, "predicted_pairs": pred, "true_pairs": true}
