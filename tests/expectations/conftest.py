"""Fixtures for the data-quality tests: real batches from the pipeline, a real warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from tests.corpus import ARTICLES, write_corpus
from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.sources import list_source

SCRIPT_TITLE = "<script>alert(1)</script> Harga Cabai & \"Bawang\" Naik"
REFERENCE = datetime(2025, 6, 20, tzinfo=UTC)


def write_quality_corpus(root: Path) -> dict[str, int]:
    """tests.corpus plus an article whose title is an HTML/script injection attempt."""
    expected = write_corpus(root)
    write_script_title_article(root)
    return {**expected, "records": expected["records"] + 1,
            "documents": expected["documents"] + 1}


def write_script_title_article(root: Path) -> None:
    body = ARTICLES["banjir"][1].replace("Bekasi", "Karawang")
    (root / "injeksi.json").write_text(json.dumps(
        {"title": SCRIPT_TITLE, "content": body, "source": "kompas.com",
         "date": "2025-06-18"}, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="session")
def good_batch(tmp_path_factory) -> dict[str, pa.Table]:
    """The staged tables of one real batch of the test corpus (all its files)."""
    from expectations.gate import staged_tables

    root = tmp_path_factory.mktemp("corpus")
    write_quality_corpus(root / "src")
    files = list(list_source(str(root / "src")))
    staged = process_batch("b-good", files, str(root / "staging"),
                           BatchContext(WartaConfig(), REFERENCE))
    return staged_tables(staged)


@pytest.fixture(scope="session")
def gx_ready():
    """Import GX and build the context once per session (the import takes ~10 s)."""
    from expectations.gate import warm_up

    return warm_up()
