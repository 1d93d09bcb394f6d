"""Score metadata and entity extraction against the gold columns of the shared corpora.

Run: uv run python scripts/eval_metadata.py [--corpora ../shared/corpora] [--no-ner] [--json]

Prints one table: per field, accuracy on news_id_2025 and detik_1k, once with the record's
fields given (the CSV columns, as the pipeline passes them) and once with them hidden (read from
the text only), then NER entity-level F1 on the NERGrit validation and idner-news-2k dev splits,
then throughput. The independent gold for dates is `dateparser` (not our parser) on the CSV
string; outlets are the registrable domain of the CSV's URL.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.metadata import RecordFields, extract_metadata  # noqa: E402
from transforms.metadata.outlet import domain_of  # noqa: E402

csv.field_size_limit(10**9)
REFERENCE = datetime(2025, 12, 31, tzinfo=UTC)
# Lines the ingest cleaner drops before metadata extraction; mimicked so the eval sees what the
# pipeline would hand over.
_BOILER = re.compile(
    r"^(Baca Juga|Advertisement|SCROLL TO CONTINUE|\[Gambas|Loading\.\.\.|Ikuti Whatsapp|Simak juga|"
    r"Lihat Video|Tonton juga|A post shared by)",
    re.I,
)


def _paragraphs(text: str) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in text.replace("\r", "").split("\n"):
        line = " ".join(line.split())
        if not line or _BOILER.match(line) or line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def _rows(corpora: Path) -> Iterator[tuple[str, dict[str, str]]]:
    for path in sorted(glob.glob(str(corpora / "news_id_2025" / "*.csv"))):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield (
                    "news_id_2025",
                    {
                        "title": row["judul"],
                        "url": row["url"],
                        "author": row["author"],
                        "date": row["tanggal_publikasi"],
                        "source": row["sumber"],
                        "body": row["isi_berita"],
                    },
                )
    with open(corpora / "detik_1k" / "data_berita.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            yield (
                "detik_1k",
                {
                    "title": row["judul"],
                    "url": row["tautan"],
                    "author": "",
                    "date": row["tanggal"],
                    "source": "",
                    "body": row["isi_berita"],
                },
            )


def _gold_date(text: str, corpus: str) -> date | None:
    """Independent reading of the CSV date string with dateparser (Indonesian)."""
    import dateparser

    if not text.strip():
        return None
    if corpus == "detik_1k":
        return datetime.strptime(text.strip(), "%m/%d/%Y %H:%M").date()
    clean = text.replace("\xa0", " ")
    clean = re.sub(r"^.*?-\s*(?=\w)", "", clean) if "-" in clean[:30] else clean
    clean = re.sub(r"Diperbarui|WIB|WITA|WIT|\|", " ", clean)
    clean = re.sub(r"\b(Senin|Selasa|Rabu|Kamis|Jum'?at|Sabtu|Minggu)\b,?", " ", clean)
    got = dateparser.parse(
        " ".join(clean.split()), languages=["id"], settings={"DATE_ORDER": "DMY"}
    )
    return got.date() if got else None


def _norm(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(text.lower().split())


def _gold_authors(author: str) -> list[str] | None:
    names = [re.sub(r"\s+-\s*\S+$", "", a).strip() for a in author.split(",")]
    names = [n for n in names if n and not re.fullmatch(r"[\w-]+(\.[a-z]+)+", n, re.I)]
    return names or None


class Tally:
    """Accuracy counters per (corpus, field)."""

    def __init__(self) -> None:
        self.hit: Counter[tuple[str, str]] = Counter()
        self.n: Counter[tuple[str, str]] = Counter()

    def add(self, corpus: str, name: str, ok: bool) -> None:
        self.n[(corpus, name)] += 1
        self.hit[(corpus, name)] += int(ok)

    def rows(self) -> list[tuple[str, str, int, int]]:
        return [(c, f, self.hit[(c, f)], n) for (c, f), n in sorted(self.n.items())]


def _score_record(tally: Tally, corpus: str, row: dict[str, str]) -> None:
    """With the record's fields given, as the pipeline passes a CSV row."""
    record = RecordFields(
        title=row["title"] or None,
        url=row["url"] or None,
        author=row["author"] or None,
        date=row["date"] or None,
        source=row["source"] or None,
        fmt="csv",
    )
    meta = extract_metadata(_paragraphs(row["body"]), record, REFERENCE)
    f = meta.fields
    if row["title"]:
        tally.add(corpus, "title (record)", _norm(meta.title) == _norm(row["title"]))
    gold_day = _gold_date(row["date"], corpus)
    if gold_day:
        tally.add(corpus, "date (record)", f["published_date"] == gold_day)
        tally.add(corpus, "time+zone present (record)", f["published_at"] is not None)
    tally.add(corpus, "outlet (record)", f["outlet"] == domain_of(row["url"]))
    gold_authors = _gold_authors(row["author"])
    if gold_authors:
        tally.add(corpus, "authors (record)", f["authors"] == gold_authors)
    tally.add(corpus, "language = id", f["language"] == "id")


def _score_text(tally: Tally, corpus: str, row: dict[str, str]) -> None:
    """With the record's fields hidden: what the text alone yields."""
    body = _paragraphs(row["body"])
    if not body:
        return
    gold_outlet = domain_of(row["url"])
    meta = extract_metadata(body, RecordFields(fmt="txt"), REFERENCE)
    f = meta.fields
    tally.add(corpus, "no false title (body only)", meta.title is None)
    tally.add(corpus, "outlet (text)", f["outlet"] == gold_outlet)
    if f["outlet"]:
        tally.add(corpus, "outlet precision (text, when given)", f["outlet"] == gold_outlet)
    tally.add(corpus, "dateline found (text)", f["dateline"] is not None)
    gold_day = _gold_date(row["date"], corpus)
    if gold_day:
        tally.add(corpus, "date (text)", f["published_date"] == gold_day)
        if f["published_date"]:
            tally.add(corpus, "date precision (text, when given)", f["published_date"] == gold_day)
    if row["title"]:
        as_txt = extract_metadata([row["title"], *body], RecordFields(fmt="txt"), REFERENCE)
        tally.add(corpus, "title (txt first line)", _norm(as_txt.title) == _norm(row["title"]))


def _throughput(
    rows: list[dict[str, str]], fn: Callable[[list[dict[str, str]]], object], group: int
) -> float:
    """Documents per CPU-second of this process, calling `fn` on `group` rows at a time:
    per-core speed, robust to a busy machine."""
    start = time.process_time()
    for i in range(0, len(rows), group):
        fn(rows[i : i + group])
    return len(rows) / (time.process_time() - start)


def _metadata_only(row: dict[str, str]) -> object:
    record = RecordFields(title=row["title"] or None, url=row["url"], date=row["date"] or None)
    return extract_metadata(_paragraphs(row["body"]), record, REFERENCE)


def _full(rows: list[dict[str, str]]) -> object:
    """Everything the pipeline extracts from a group of records, as the pipeline groups them
    (`transforms.pipeline.ENTITY_GROUP` bodies per entity-extraction call)."""
    from transforms.entities import extract_cited_sources, extract_entities_batch, extract_quotes

    bodies = ["\n\n".join(_metadata_only(row).paragraphs) for row in rows]  # type: ignore[attr-defined]
    return [
        (ents, extract_quotes(body, ents), extract_cited_sources(body))
        for body, ents in zip(bodies, extract_entities_batch(bodies), strict=True)
    ]


def _ner_rows(corpora: Path) -> list[tuple[str, dict]]:
    from transforms.entities import score_iob_file

    out = []
    for name, path in (
        ("NERGrit valid", corpora / "ner" / "nergrit" / "valid_preprocess.txt"),
        ("idner-news-2k dev", corpora / "ner" / "idner_news_2k" / "dev.txt"),
    ):
        out.append((name, score_iob_file(path)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--no-ner", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tally = Tally()
    rows = list(_rows(args.corpora))
    for corpus, row in rows:
        _score_record(tally, corpus, row)
        _score_text(tally, corpus, row)
    report: dict = {"fields": [], "ner": [], "speed": {}}
    for corpus, name, hit, n in tally.rows():
        report["fields"].append({"corpus": corpus, "field": name, "correct": hit, "n": n})
    news = [r for c, r in rows if c == "news_id_2025"]
    _metadata_only(news[0])
    report["speed"]["metadata docs/s"] = round(
        _throughput(news, lambda rows: [_metadata_only(r) for r in rows], 1)
    )
    if not args.no_ner:
        report["ner"] = [{"split": s, **scores} for s, scores in _ner_rows(args.corpora)]
        from transforms.pipeline import ENTITY_GROUP

        _full(news[:1])
        report["speed"]["metadata+entities+quotes+sources docs/s"] = round(
            _throughput(news, _full, ENTITY_GROUP)
        )
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    _print_table(report)
    return 0


def _print_table(report: dict) -> None:
    print(f"{'corpus':<14} {'field':<40} {'accuracy':>9} {'n':>6}")
    print("-" * 72)
    for r in report["fields"]:
        acc = 100.0 * r["correct"] / r["n"] if r["n"] else 0.0
        print(f"{r['corpus']:<14} {r['field']:<40} {acc:>8.1f}% {r['n']:>6}")
    for r in report["ner"]:
        print("-" * 72)
        for kind in ("person", "organization", "location"):
            s = r[kind]
            print(
                f"{r['split']:<20} NER {kind:<14} P {100 * s['precision']:5.1f}  "
                f"R {100 * s['recall']:5.1f}  F1 {100 * s['f1']:5.1f}  (gold {s['support']})"
            )
        print(
            f"{r['split']:<20} NER macro F1 {100 * r['macro_f1']:5.1f}  micro F1 {100 * r['micro_f1']:5.1f}"
        )
    print("-" * 72)
    for name, value in report["speed"].items():
        print(f"speed: {name}: {value} (one core)")


if __name__ == "__main__":
    raise SystemExit(main())
