"""`warta report`: a self-contained page, checked in headless Chromium with the network off;
and GX Data Docs built from dq_results."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from expectations.data_docs import build_data_docs
from expectations.gate import check_batch, lake_tables
from expectations.report import SECTIONS, build_report, report_command
from expectations.store import store_results
from expectations.warehouse_checks import check_warehouse
from tests.corpus import ARTICLES, write_corpus
from tests.expectations.conftest import SCRIPT_TITLE, write_script_title_article
from tests.warehouse.test_loader import load
from warehouse.loader import Warehouse, lake_dir_for

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "out" / "test-artifacts"


def _gate_and_check(db: Path, run_id: str) -> None:
    """What the flow does around its commits: gate every batch of the run, check, store."""
    with Warehouse(db) as wh:
        batches = [r[0] for r in wh.db.execute(
            "SELECT batch_id FROM batches WHERE run_id = ? ORDER BY 1", [run_id]).fetchall()]
        for batch_id in batches:
            gate = check_batch(lake_tables(lake_dir_for(wh.path), batch_id), run_id, batch_id,
                               datetime.now(UTC))
            assert gate.passed, gate.failures
            store_results(wh.db, gate.results)
        result = check_warehouse(wh.db, run_id)
        assert result.passed, result.failures
        store_results(wh.db, result.results)


@pytest.fixture(scope="module")
def warehouse(gx_ready, tmp_path_factory) -> Path:
    """Two runs over a corpus that includes an article titled with a <script> tag."""
    root = tmp_path_factory.mktemp("report")
    src = root / "src"
    write_corpus(src)
    db = root / "warta.duckdb"
    load(src, db, run_id="run-1")
    _gate_and_check(db, "run-1")
    head, body = ARTICLES["timnas"]
    (src / "susulan.txt").write_text(f"{head} Lagi\n\n{body.replace('2-0', '3-1')}\n",
                                     encoding="utf-8")
    (src / "kosong.txt").write_text("")
    write_script_title_article(src)
    load(src, db, run_id="run-2")
    _gate_and_check(db, "run-2")
    return db


@pytest.fixture(scope="module")
def report(warehouse) -> Path:
    return report_command(warehouse, warehouse.parent / "report.html")


def test_report_is_self_contained_and_escaped(report):
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # No script at all, and nothing fetched from anywhere: no src/href/url() to a network.
    assert not re.search(r"<script", page, re.IGNORECASE)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page, re.IGNORECASE)
    assert not re.search(r"url\(|@import|<link|<iframe|<img", page, re.IGNORECASE)
    # The hostile title is shown as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Harga Cabai &amp; &quot;Bawang&quot;" in page
    for anchor, heading in SECTIONS:
        assert f'id="{anchor}"' in page and heading.replace("'", "&#x27;") in page


def test_report_content(report, warehouse):
    text = _visible_text(report.read_text(encoding="utf-8"))
    assert "Run run-2 of" in text
    assert "Accounting: records 3 = documents + exact duplicates + rejects (3) holds" in text
    assert "Quality: all checks passed" in text
    for label in ("reject rate", "exact-duplicate rate", "malformed_record", "kompas.com",
                  "published_date", "person", "doc_id is unique in the batch",
                  "the run's records = documents + exact duplicates + rejects"):
        assert label in text, label
    assert SCRIPT_TITLE in text


def test_report_tolerates_a_bare_warehouse(tmp_path):
    # An empty warehouse: every table, no run.
    with Warehouse(tmp_path / "empty.duckdb") as wh:
        page = build_report(wh.db, tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "No runs yet" in page
    # A file with only some tables (other features not landed): notes, no error.
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    con.execute("CREATE TABLE runs (run_id VARCHAR, started_at TIMESTAMPTZ, status VARCHAR, "
                "records_seen BIGINT, documents BIGINT)")
    con.execute("INSERT INTO runs VALUES ('r1', now(), 'completed', 3, 3)")
    con.execute("CREATE TABLE documents (doc_id VARCHAR, title VARCHAR, run_id VARCHAR)")
    con.execute("INSERT INTO documents VALUES ('d1', '<b>bold</b>', 'r1')")
    page = build_report(con, tmp_path / "bare.html").read_text(encoding="utf-8")
    con.close()
    assert "documents has no language column" in page
    assert "No entities table" in page and "No dq_results table" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_report_in_headless_chromium_offline(report):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI: run scripts/install_chromium.sh")
        pytest.skip("chromium not installed (scripts/install_chromium.sh); CI runs this test")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(report, ARTIFACTS / "report.html")
    url = report.resolve().as_uri()
    dom = _chromium(chromium, report.parent, "--dump-dom", url).stdout
    text = _visible_text(dom)
    for _, heading in SECTIONS:
        assert heading in text, heading
    assert SCRIPT_TITLE in text          # escaped markup renders as the literal title
    assert "Quality: all checks passed" in text
    assert "<svg" in dom                 # the charts made it into the rendered DOM
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    _chromium(chromium, report.parent, f"--screenshot={shot}", "--window-size=1280,4000", url)
    assert shot.is_file() and shot.stat().st_size > 20_000


def test_data_docs_built_from_dq_results(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        index = build_data_docs(con, tmp_path / "data_docs")
    finally:
        con.close()
    assert index.is_file()
    pages = sorted(p.relative_to(index.parent).parts[:3]
                   for p in (index.parent / "validations").rglob("*.html"))
    assert ("validations", "documents", "run-1") in pages
    assert ("validations", "warehouse", "run-2") in pages
    assert (index.parent / "expectations" / "documents.html").is_file()
    html = next((index.parent / "validations" / "documents").rglob("*.html")).read_text()
    assert "doc_id is unique in the batch" in html
    # Known limitation of GX 1.24: its pages load CSS/JS from CDNs (our report does not).
    assert "cdn.jsdelivr.net" in index.read_text()


# -- helpers --------------------------------------------------------------------------------


def _offline_prefix() -> list[str]:
    """Run chromium in a network namespace of its own when the kernel lets us."""
    unshare = shutil.which("unshare")
    if unshare:
        for flags in (["-n"], ["-rn"]):
            probe = subprocess.run([unshare, *flags, "true"], capture_output=True)
            if probe.returncode == 0:
                return [unshare, *flags]
    return []


def _chromium(binary: str, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    profile = workdir / f"chromium-profile-{len(args)}"
    cmd = [*_offline_prefix(), binary, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
           # Belt and braces when no namespace: no name resolves, no proxy answers.
           "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
           *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


class _Text(HTMLParser):
    """The text a reader sees: no <head>, <style>, <script>, or SVG <title> tooltips."""

    SKIP = {"head", "style", "script", "title", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        elif tag in {"p", "div", "tr", "li", "h1", "h2", "h3", "section", "br", "td", "th"}:
            self.parts.append("\n" if tag not in {"td", "th"} else " ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
