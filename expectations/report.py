"""`warta report`: one self-contained HTML page on what the runs did and how good the data is.

    build_report(con, out_path)                 # con: any DuckDB connection to the warehouse
    report_command(warehouse, out=None)         # opens the file read-only; for the CLI

Sections: the last run; the trend over runs; records, documents, duplicates (exact and
near) and rejects by reason; language mix; outlets; documents per publication day;
completeness of each metadata field; entity counts (when an `entities` table exists); each
expectation's result; a sample of the last run's documents.

Self-contained: inline CSS, charts as inline SVG (expectations.svg), no JavaScript, no
external URL: it renders the same with the network off. Every value taken from the data is
HTML-escaped (a title `<script>...</script>` shows as text). Tables or columns that other
features have not added yet are skipped with a note, never an error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from expectations.svg import PALETTE, columns, fmt, hbars, lines, stacked_columns

__all__ = ["build_report", "report_command", "default_report_path", "SECTIONS"]

TREND_RUNS = 30
TOP_OUTLETS = 20
MAX_DAYS = 120

# (anchor, heading) of every section, in page order: the test checks these headings.
SECTIONS = (
    ("last-run", "Last run"),
    ("trend", "Trend over runs"),
    ("records", "Records, duplicates and rejects"),
    ("languages", "Language mix"),
    ("outlets", "Outlets"),
    ("days", "Documents per publication day"),
    ("completeness", "Metadata completeness"),
    ("entities", "Entities"),
    ("quality", "Data quality checks"),
    ("sample", "Sample of the last run's documents"),
)

# Metadata fields of `documents` whose completeness is shown, with how "present" is tested.
COMPLETENESS = (
    ("title", "title IS NOT NULL AND trim(title) <> ''"),
    ("url", "url IS NOT NULL"),
    ("published_date", "published_date IS NOT NULL"),
    ("published_at", "published_at IS NOT NULL"),
    ("outlet", "outlet IS NOT NULL"),
    ("authors", "authors IS NOT NULL AND len(authors) > 0"),
    ("dateline", "dateline IS NOT NULL"),
    ("language", "language IS NOT NULL"),
    ("n_words", "n_words IS NOT NULL"),
    ("encoding", "encoding IS NOT NULL"),
    ("cluster_id", "cluster_id IS NOT NULL"),
)

CSS = """
:root { --fg:#1a202c; --muted:#4a5568; --line:#e2e8f0; --bg:#f7fafc; --ok:#2f855a;
        --bad:#c53030; --warn:#b7791f; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); margin: 0; background: #fff; }
header { background: #1a365d; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; color: #cbd5e0; }
nav { padding: 8px 32px; background: var(--bg); border-bottom: 1px solid var(--line);
      font-size: 14px; }
nav a { margin-right: 14px; color: #2b6cb0; text-decoration: none; }
main { padding: 8px 32px 40px; max-width: 1200px; }
section { border-bottom: 1px solid var(--line); padding: 8px 0 18px; }
h2 { font-size: 20px; margin: 18px 0 10px; }
h3 { font-size: 15px; margin: 16px 0 6px; color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
        padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 13px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: var(--bg); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
svg.chart { width: 100%; max-width: 820px; height: auto; display: block; margin: 6px 0; }
ul.failures li { margin: 2px 0; }
"""


def default_report_path(warehouse: str | Path) -> Path:
    """warta.duckdb -> warta_report.html beside it."""
    path = Path(warehouse)
    return path.with_name(path.stem + "_report.html")


def report_command(warehouse: str | Path, out: str | Path | None = None) -> Path:
    """What `warta report [--warehouse PATH] [--out FILE]` does; returns the page's path."""
    from warehouse.loader import connect_read_only

    con = connect_read_only(Path(warehouse))
    try:
        return build_report(con, out or default_report_path(warehouse),
                            warehouse_name=str(warehouse))
    finally:
        con.close()


def build_report(con: duckdb.DuckDBPyConnection, out_path: str | Path,
                 warehouse_name: str | None = None) -> Path:
    """Write the report page to `out_path` (atomically) and return its path."""
    data = _Data(con)
    body = [_header(data, warehouse_name), _nav()]
    body.append("<main>")
    for anchor, heading in SECTIONS:
        body.append(f'<section id="{anchor}"><h2>{escape(heading)}</h2>')
        try:
            body.append(_SECTION_BUILDERS[anchor](data))
        except duckdb.Error as exc:  # a table or column this warehouse does not have yet
            body.append(_note(f"not available in this warehouse: {_first_line(exc)}"))
        body.append("</section>")
    body.append("</main>")
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>warta quality report</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out


# -- data access ----------------------------------------------------------------------------


@dataclass
class _Run:
    run_id: str
    source: str | None
    started_at: Any
    finished_at: Any
    status: str
    files_seen: int | None
    files_skipped: int | None
    records_seen: int | None
    documents: int | None
    duplicates: int | None
    rejects: int | None
    rejects_by_reason: Any
    seconds: float | None
    error: str | None


class _Data:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.columns: dict[str, set[str]] = {}
        for table, column in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'main'").fetchall():
            self.columns.setdefault(table, set()).add(column)
        self.runs = self._runs()
        self.last = self.runs[-1] if self.runs else None

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and set(columns) <= self.columns[table]

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        return self.con.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.con.execute(sql, params).fetchone()
        return row[0] if row else None

    def _runs(self) -> list[_Run]:
        if not self.has("runs", "run_id"):
            return []
        wanted = [f for f in _Run.__dataclass_fields__ if f in self.columns["runs"]]
        order = "started_at" if "started_at" in wanted else "run_id"
        rows = self.rows(f"SELECT {', '.join(wanted)} FROM runs ORDER BY {order}, run_id")
        runs = []
        for row in rows:
            values = dict.fromkeys(_Run.__dataclass_fields__)
            values.update(zip(wanted, row, strict=True))
            runs.append(_Run(**values))
        return runs

    def near_duplicates(self, run_id: str | None) -> int:
        if not self.has("duplicates", "kind"):
            return 0
        if run_id is None:
            return int(self.one("SELECT count(*) FROM duplicates WHERE kind = 'near'"))
        return int(self.one("SELECT count(*) FROM duplicates WHERE kind = 'near' "
                            "AND run_id = ?", [run_id]))


# -- sections -------------------------------------------------------------------------------


def _header(data: _Data, warehouse_name: str | None) -> str:
    name = warehouse_name or _database_file(data.con) or "in-memory warehouse"
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<header><h1>warta quality report</h1><p>Warehouse {_e(name)} · "
            f"{len(data.runs)} runs · generated {now}</p></header>")


def _nav() -> str:
    links = "".join(f'<a href="#{a}">{escape(h)}</a>' for a, h in SECTIONS)
    return f"<nav>{links}</nav>"


def _last_run(data: _Data) -> str:
    run = data.last
    if run is None:
        return _note("No runs yet: run `warta ingest SOURCE` first.")
    near = data.near_duplicates(run.run_id)
    status_class = "ok" if run.status == "completed" else "bad"
    out = [f'<p>Run <span class="mono">{_e(run.run_id)}</span> of {_e(run.source or "?")}: '
           f'<span class="{status_class}">{_e(run.status)}</span>, started {_e(_ts(run.started_at))}'
           f"{', took ' + fmt(run.seconds) + ' s' if run.seconds is not None else ''}.</p>"]
    if run.error:
        out.append(f'<p class="bad">Error: {_e(run.error)}</p>')
    cards = [("files seen", run.files_seen), ("files unchanged", run.files_skipped),
             ("records", run.records_seen), ("documents", run.documents),
             ("exact duplicates", run.duplicates), ("near duplicates", near),
             ("rejects", run.rejects)]
    out.append(_cards(cards))
    if run.records_seen is not None and None not in (run.documents, run.duplicates, run.rejects):
        total = run.documents + run.duplicates + run.rejects
        ok = total == run.records_seen
        out.append(f'<p>Accounting: records {fmt(run.records_seen)} '
                   f'{"=" if ok else "≠"} documents + exact duplicates + rejects '
                   f'({fmt(total)}) <span class="{"ok" if ok else "bad"}">'
                   f'{"holds" if ok else "BROKEN"}</span></p>')
    out.append(_quality_verdict(data, run.run_id))
    return "".join(out)


def _quality_verdict(data: _Data, run_id: str) -> str:
    if not data.has("dq_results", "run_id"):
        return _note("No data-quality results in this warehouse yet.")
    rows = data.rows(
        "SELECT severity, success, suite, batch_id, description, observed_value, "
        "unexpected_count, details FROM dq_results WHERE run_id = ? ORDER BY severity, suite",
        [run_id])
    if not rows:
        return _note("No data-quality results recorded for this run.")
    failed = [r for r in rows if not r[1]]
    critical = [r for r in failed if r[0] == "critical"]
    warnings = [r for r in failed if r[0] != "critical"]
    verdict = ('<span class="bad">critical failures</span>' if critical else
               '<span class="warn">passed with warnings</span>' if warnings else
               '<span class="ok">all checks passed</span>')
    out = [f"<p>Quality: {verdict} — {len(rows)} expectation results, {len(critical)} "
           f"critical failures, {len(warnings)} warnings.</p>"]
    if failed:
        items = []
        for severity, _, suite, batch_id, description, observed, unexpected, details in failed[:40]:
            where = f"{suite}" + (f" (batch {batch_id})" if batch_id else "")
            extra = f"; e.g. {', '.join(json.loads(details)[:3])}" if details else ""
            count = f"{fmt(unexpected)} unexpected" if unexpected is not None else observed
            cls = "bad" if severity == "critical" else "warn"
            items.append(f'<li><span class="{cls}">{_e(severity)}</span> {_e(where)}: '
                         f"{_e(description)} — {_e(count or '')}{_e(extra)}</li>")
        more = f"<li>… and {len(failed) - 40} more</li>" if len(failed) > 40 else ""
        out.append(f'<ul class="failures">{"".join(items)}{more}</ul>')
    return "".join(out)


def _trend(data: _Data) -> str:
    runs = data.runs[-TREND_RUNS:]
    if not runs:
        return _note("No runs yet.")
    first = len(data.runs) - len(runs) + 1
    labels = [f"#{first + i} {_run_label(r)}" for i, r in enumerate(runs)]
    near = _near_by_run(data)
    # Near duplicates are documents too (kept, linked to their cluster): not stacked here.
    series = {"documents": [r.documents or 0 for r in runs],
              "exact duplicates": [r.duplicates or 0 for r in runs],
              "rejects": [r.rejects or 0 for r in runs]}
    out = ["<h3>Records per run: documents, exact duplicates, rejects</h3>",
           stacked_columns(labels, series, title="Records per run",
                           colors=(PALETTE[0], PALETTE[1], PALETTE[2]))]
    rates = {"reject rate": [_rate(r.rejects, r.records_seen) for r in runs],
             "exact-duplicate rate": [_rate(r.duplicates, r.records_seen) for r in runs],
             "near-duplicate rate": [_rate(near.get(r.run_id, 0), r.documents) for r in runs]}
    out += ["<h3>Rates per run (share of records; near duplicates: share of documents)</h3>",
            lines(labels, rates, title="Reject and duplicate rates per run",
                  colors=(PALETTE[2], PALETTE[1], PALETTE[4]), max_value=1.0)]
    dq = _dq_failures_by_run(data)
    if dq:
        out += ["<h3>Failed expectations per run</h3>",
                stacked_columns(labels, {"critical": [dq.get(r.run_id, (0, 0))[0] for r in runs],
                                         "warning": [dq.get(r.run_id, (0, 0))[1] for r in runs]},
                                title="Failed expectations per run",
                                colors=(PALETTE[2], PALETTE[5]))]
    head = ("<tr><th>#</th><th>run</th><th>started</th><th>status</th><th class=n>records</th>"
            "<th class=n>documents</th><th class=n>exact dup.</th><th class=n>near dup.</th>"
            "<th class=n>rejects</th><th class=n>seconds</th></tr>")
    body = "".join(
        f'<tr><td class=n>{first + i}</td><td class="mono">{_e(_short_id(r.run_id))}</td>'
        f"<td>{_e(_ts(r.started_at))}</td>"
        f"<td>{_e(r.status)}</td><td class=n>{fmt(r.records_seen)}</td>"
        f"<td class=n>{fmt(r.documents)}</td><td class=n>{fmt(r.duplicates)}</td>"
        f"<td class=n>{fmt(near.get(r.run_id, 0))}</td><td class=n>{fmt(r.rejects)}</td>"
        f"<td class=n>{fmt(r.seconds)}</td></tr>" for i, r in reversed(list(enumerate(runs))))
    out.append(f"<h3>Runs (newest first)</h3><table>{head}{body}</table>")
    return "".join(out)


def _records(data: _Data) -> str:
    run = data.last
    out = []
    totals = [("documents", _count(data, "documents")),
              ("exact duplicates", _count(data, "duplicates", "kind = 'exact'")),
              ("near duplicates", data.near_duplicates(None)),
              ("rejects", _count(data, "rejects"))]
    out.append('<div class="grid"><div><h3>All runs</h3>'
               + _cards(totals) + "</div>")
    if run is not None:
        last = [("documents", _count(data, "documents", "run_id = ?", [run.run_id])),
                ("exact duplicates", _count(data, "duplicates", "kind = 'exact' AND run_id = ?",
                                            [run.run_id])),
                ("near duplicates", data.near_duplicates(run.run_id)),
                ("rejects", _count(data, "rejects", "run_id = ?", [run.run_id]))]
        out.append("<div><h3>Last run</h3>" + _cards(last) + "</div>")
    out.append("</div>")
    if not data.has("rejects", "reason"):
        return "".join(out) + _note("No rejects table.")
    reasons_all = dict(data.rows("SELECT reason, count(*) FROM rejects GROUP BY 1"))
    reasons_last = dict(data.rows("SELECT reason, count(*) FROM rejects WHERE run_id = ? "
                                  "GROUP BY 1", [run.run_id])) if run else {}
    order = sorted(reasons_all, key=lambda k: (-reasons_all[k], k))
    out.append('<div class="grid"><div><h3>Rejects by reason, all runs</h3>'
               + (hbars([(k, reasons_all[k]) for k in order], title="Rejects by reason, all runs",
                        color=PALETTE[2]) or _note("No rejects."))
               + "</div><div><h3>Rejects by reason, last run</h3>"
               + (hbars([(k, reasons_last[k]) for k in order if k in reasons_last],
                        title="Rejects by reason, last run", color=PALETTE[2])
                  or _note("No rejects in the last run."))
               + "</div></div>")
    if data.has("duplicates", "kind", "similarity"):
        sims = data.rows("SELECT round(similarity, 2) AS s, count(*) FROM duplicates "
                         "WHERE kind = 'near' GROUP BY 1 ORDER BY 1")
        if sims:
            out.append("<h3>Near duplicates by estimated similarity</h3>"
                       + columns([(f"{s:.2f}", n) for s, n in sims],
                                 title="Near duplicates by similarity", color=PALETTE[4]))
    return "".join(out)


def _languages(data: _Data) -> str:
    if not data.has("documents", "language"):
        return _note("documents has no language column.")
    return _mix(data, "coalesce(language, '(unknown)')", "Documents by language",
                PALETTE[3], limit=15)


def _outlets(data: _Data) -> str:
    if not data.has("documents", "outlet"):
        return _note("documents has no outlet column.")
    n_outlets = data.one("SELECT count(DISTINCT outlet) FROM documents")
    return (f"<p>{fmt(n_outlets)} distinct outlets; top {TOP_OUTLETS} by documents.</p>"
            + _mix(data, "coalesce(outlet, '(unknown)')", "Documents by outlet", PALETTE[0],
                   limit=TOP_OUTLETS))


def _mix(data: _Data, expr: str, title: str, color: str, limit: int) -> str:
    run_id = data.last.run_id if data.last else None
    rows = data.rows(f"SELECT {expr} AS k, count(*) AS n, count(*) FILTER (WHERE run_id = ?) "
                     f"AS last FROM documents GROUP BY 1 ORDER BY n DESC, k LIMIT ?",
                     [run_id, limit])
    if not rows:
        return _note("No documents yet.")
    total = data.one("SELECT count(*) FROM documents") or 1
    table = "".join(f"<tr><td>{_e(k)}</td><td class=n>{fmt(n)}</td>"
                    f"<td class=n>{100 * n / total:.1f}%</td><td class=n>{fmt(last)}</td></tr>"
                    for k, n, last in rows)
    return (f'<div class="grid"><div>{hbars([(k, n) for k, n, _ in rows], title=title, color=color)}'
            f"</div><div><table><tr><th></th><th class=n>documents</th><th class=n>share</th>"
            f"<th class=n>last run</th></tr>{table}</table></div></div>")


def _days(data: _Data) -> str:
    if not data.has("documents", "published_date"):
        return _note("documents has no published_date column.")
    rows = data.rows("SELECT published_date, count(*) FROM documents "
                     "WHERE published_date IS NOT NULL GROUP BY 1 ORDER BY 1")
    undated = data.one("SELECT count(*) FROM documents WHERE published_date IS NULL")
    if not rows:
        return _note(f"No dated documents ({fmt(undated)} undated).")
    first, last = rows[0][0], rows[-1][0]
    counts = dict(rows)
    out = [f"<p>{fmt(sum(counts.values()))} dated documents from {_e(first)} to {_e(last)}; "
           f"{fmt(undated)} without a publication date.</p>"]
    start, end = _busiest_window(rows, MAX_DAYS)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    outside = sum(n for d, n in counts.items() if d < start or d > end)
    out.append(f"<h3>Per day, {_e(start)} to {_e(end)}"
               + (f" (the busiest {MAX_DAYS} days; {fmt(outside)} documents fall outside)"
                  if outside else "") + "</h3>")
    out.append(columns([(d.isoformat(), counts.get(d, 0)) for d in days],
                       title="Documents per publication day"))
    if outside:
        months = data.rows("SELECT strftime(published_date, '%Y-%m') AS m, count(*) FROM "
                           "documents WHERE published_date IS NOT NULL GROUP BY 1 ORDER BY 1")
        out.append("<h3>Every dated document, per month</h3>")
        out.append(columns(months, title="Documents per publication month", color=PALETTE[6]))
    return "".join(out)


def _busiest_window(rows: list[tuple[date, int]], size: int) -> tuple[date, date]:
    """The `size`-day span holding the most documents (outlier dates do not stretch it)."""
    if (rows[-1][0] - rows[0][0]).days < size:
        return rows[0][0], rows[-1][0]
    best, best_start, total, lo = -1, 0, 0, 0
    for day, n in rows:
        total += n
        while (day - rows[lo][0]).days >= size:
            total -= rows[lo][1]
            lo += 1
        if total > best:
            best, best_start = total, lo
    start = rows[best_start][0]
    end = min(start + timedelta(days=size - 1), rows[-1][0])
    last_in = max(d for d, _ in rows if d <= end)
    return start, last_in


def _completeness(data: _Data) -> str:
    if not data.has("documents"):
        return _note("No documents table.")
    fields = [(name, test) for name, test in COMPLETENESS if data.has("documents", name)]
    if not fields:
        return _note("No metadata columns.")
    run_id = data.last.run_id if data.last else None
    selects = ", ".join(f"avg(CASE WHEN {test} THEN 1.0 ELSE 0.0 END), "
                        f"avg(CASE WHEN {test} THEN 1.0 ELSE 0.0 END) FILTER (WHERE run_id = $r)"
                        for _, test in fields)
    row = data.con.execute(f"SELECT count(*), {selects} FROM documents", {"r": run_id}).fetchone()
    if not row[0]:
        return _note("No documents yet.")
    shares = [(name, row[1 + 2 * i], row[2 + 2 * i]) for i, (name, _) in enumerate(fields)]
    table = "".join(f"<tr><td>{_e(n)}</td><td class=n>{_pct(a)}</td><td class=n>{_pct(b)}</td>"
                    f"</tr>" for n, a, b in shares)
    return ('<div class="grid"><div>'
            + hbars([(n, round(100 * (a or 0), 1)) for n, a, _ in shares],
                    title="Share of documents with each field, all runs", color=PALETTE[6],
                    unit="%", max_value=100)
            + "</div><div><table><tr><th>field</th><th class=n>all runs</th>"
            f"<th class=n>last run</th></tr>{table}</table></div></div>")


def _entities(data: _Data) -> str:
    if "entities" not in data.columns:
        return _note("No entities table in this warehouse yet (entity extraction has not "
                     "landed or not run).")
    cols = data.columns["entities"]
    kind = next((c for c in ("kind", "entity_kind", "label", "type") if c in cols), None)
    text = next((c for c in ("canonical", "text", "name") if c in cols), None)
    total = data.one("SELECT count(*) FROM entities")
    out = [f"<p>{fmt(total)} entity mentions"
           + (f" in {fmt(data.one('SELECT count(DISTINCT doc_id) FROM entities'))} documents"
              if "doc_id" in cols else "") + ".</p>"]
    if kind:
        kinds = data.rows(f'SELECT coalesce("{kind}", \'(none)\'), count(*) FROM entities '
                          "GROUP BY 1 ORDER BY 2 DESC")
        out.append("<h3>Mentions by kind</h3>"
                   + hbars(kinds, title="Entity mentions by kind", color=PALETTE[4]))
        if text:
            parts = []
            for (k, _n) in kinds[:4]:
                top = data.rows(f'SELECT "{text}", count(*) FROM entities WHERE "{kind}" '
                                f'IS NOT DISTINCT FROM ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10',
                                [None if k == "(none)" else k])
                parts.append(f"<div><h3>Top {_e(k)}</h3>"
                             + hbars([(t or "", n) for t, n in top],
                                     title=f"Most mentioned: {k}", color=PALETTE[4])
                             + "</div>")
            out.append(f'<div class="grid">{"".join(parts)}</div>')
    if "country_code" in cols:
        countries = data.rows("SELECT country_code, count(*) FROM entities WHERE country_code "
                              "IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15")
        if countries:
            out.append("<h3>Countries mentioned</h3>"
                       + hbars(countries, title="Entity mentions by country", color=PALETTE[6]))
    return "".join(out)


def _quality(data: _Data) -> str:
    if not data.has("dq_results", "run_id"):
        return _note("No dq_results table: this warehouse has no data-quality results yet.")
    run = data.last
    run_ids = [r[0] for r in data.rows(
        "SELECT run_id FROM dq_results GROUP BY 1 ORDER BY min(checked_at) DESC LIMIT 1")]
    if run is not None and data.one("SELECT count(*) FROM dq_results WHERE run_id = ?",
                                    [run.run_id]):
        run_id = run.run_id
    elif run_ids:
        run_id = run_ids[0]
    else:
        return _note("No data-quality results recorded yet.")
    rows = data.rows(
        "SELECT suite, description, expectation, column_name, severity, count(*) AS checks, "
        "count(*) FILTER (WHERE NOT success) AS failed, sum(unexpected_count), "
        "sum(element_count), arg_max(observed_value, checked_at), "
        "list(details ORDER BY checked_at) FILTER (WHERE NOT success AND details IS NOT NULL) "
        "FROM dq_results WHERE run_id = ? GROUP BY ALL "
        "ORDER BY (count(*) FILTER (WHERE NOT success)) = 0, severity, suite, description",
        [run_id])
    n_failed = sum(1 for r in rows if r[6])
    out = [f'<p>Run <span class="mono">{_e(run_id)}</span>: {len(rows)} expectations, '
           f"{n_failed} with failures. Batch-gate results are summed over the run's batches; "
           f"a critical failure kept that batch out of the warehouse.</p>"]
    body = []
    for suite, desc, kind, column, severity, checks, failed, unexpected, elements, observed, \
            details in rows:
        status = ('<span class="ok">pass</span>' if not failed else
                  f'<span class="{"bad" if severity == "critical" else "warn"}">FAIL</span>')
        examples = _examples(details)
        seen = (f"{fmt(unexpected)} of {fmt(elements)}" if elements is not None
                and unexpected is not None else observed or "")
        body.append(
            f"<tr><td>{status}</td><td>{_e(suite)}</td><td>{_e(desc)}<br>"
            f'<span class="mono">{_e(kind)}</span></td><td class="mono">{_e(column or "")}</td>'
            f"<td>{_e(severity)}</td><td class=n>{fmt(checks)}</td><td class=n>{fmt(failed)}</td>"
            f"<td>{_e(seen)}</td><td>{_e(examples)}</td></tr>")
    out.append("<table><tr><th>status</th><th>suite</th><th>expectation</th><th>column</th>"
               "<th>severity</th><th class=n>checks</th><th class=n>failed</th>"
               "<th>unexpected / observed</th><th>examples</th></tr>"
               f"{''.join(body)}</table>")
    history = data.rows(
        "SELECT suite || ': ' || description, count(*) FILTER (WHERE NOT success) "
        "FROM dq_results GROUP BY 1 HAVING count(*) FILTER (WHERE NOT success) > 0 "
        "ORDER BY 2 DESC, 1 LIMIT 15")
    if history:
        out.append("<h3>Most frequently failing expectations, all runs (failed checks)</h3>"
                   + hbars(history, title="Failed checks per expectation, all runs",
                           color=PALETTE[5], label_chars=64, label_width=420))
    docs = Path(_database_file(data.con) or "").parent / "data_docs" / "index.html"
    if _database_file(data.con) and docs.is_file():
        out.append(f'<p>Great Expectations Data Docs: <a href="{_e(docs.as_uri())}">'
                   f"{_e(docs)}</a> (GX pages load their styles from CDNs).</p>")
    return "".join(out)


def _sample(data: _Data) -> str:
    run = data.last
    if run is None or not data.has("documents", "title", "run_id"):
        return _note("No documents.")
    cols = [c for c in ("title", "outlet", "published_date", "language", "source_uri")
            if data.has("documents", c)]
    rows = data.rows(f"SELECT {', '.join(cols)} FROM documents WHERE run_id = ? "
                     "ORDER BY ingested_at, doc_id LIMIT 12" if data.has("documents",
                                                                         "ingested_at")
                     else f"SELECT {', '.join(cols)} FROM documents WHERE run_id = ? LIMIT 12",
                     [run.run_id])
    if not rows:
        return _note("The last run added no documents.")
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_e('' if v is None else v)}</td>" for v in r)
                   + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


_SECTION_BUILDERS: dict[str, Callable[[_Data], str]] = {
    "last-run": _last_run, "trend": _trend, "records": _records, "languages": _languages,
    "outlets": _outlets, "days": _days, "completeness": _completeness,
    "entities": _entities, "quality": _quality, "sample": _sample,
}


# -- helpers --------------------------------------------------------------------------------


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _cards(items: Sequence[tuple[str, Any]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><b>{fmt(v)}</b><span>{_e(k)}</span></div>' for k, v in items
    ) + "</div>"


def _count(data: _Data, table: str, where: str = "", params: Sequence[Any] = ()) -> int | None:
    if table not in data.columns:
        return None
    return int(data.one(f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else ""),
                        params))


def _near_by_run(data: _Data) -> dict[str, int]:
    if not data.has("duplicates", "kind", "run_id"):
        return {}
    return dict(data.rows("SELECT run_id, count(*) FROM duplicates WHERE kind = 'near' "
                          "GROUP BY 1"))


def _dq_failures_by_run(data: _Data) -> dict[str, tuple[int, int]]:
    if not data.has("dq_results", "run_id", "severity", "success"):
        return {}
    rows = data.rows("SELECT run_id, count(*) FILTER (WHERE NOT success AND severity = "
                     "'critical'), count(*) FILTER (WHERE NOT success AND severity <> "
                     "'critical') FROM dq_results GROUP BY 1")
    return {r: (c, w) for r, c, w in rows}


def _rate(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _ts(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _run_label(run: _Run) -> str:
    if isinstance(run.started_at, datetime):
        return run.started_at.astimezone(UTC).strftime("%m-%d %H:%M")
    return _short_id(run.run_id)


def _short_id(run_id: str) -> str:
    return run_id if len(run_id) <= 14 else run_id[:8] + "…"


def _examples(details: list[str] | None) -> str:
    values: list[str] = []
    for chunk in details or []:
        try:
            values += [str(v) for v in json.loads(chunk)]
        except ValueError:
            continue
        if len(values) >= 3:
            break
    return "; ".join(values[:3])


def _database_file(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT file FROM pragma_database_list WHERE name = "
                          "current_database()").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row and row[0] else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m expectations.report [--warehouse PATH] [--out FILE]` (what `warta report`
    will do once the CLI wires it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="warta report", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=os.environ.get("WARTA_WAREHOUSE",
                                                              "warehouse_data/warta.duckdb"))
    parser.add_argument("--out", help="HTML file (default: <warehouse>_report.html beside it)")
    args = parser.parse_args(argv)
    print(report_command(args.warehouse, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
