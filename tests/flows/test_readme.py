"""Every `uv run warta ...` command shown in README.md runs, and prints what the README shows."""

from __future__ import annotations

import re
import shlex

import pytest

from flows.cli import main
from tests.conftest import REPO, SAMPLE_CORPUS

README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def readme_examples() -> list[tuple[str, str | None]]:
    """(command, the text block right after it or None) for every `uv run warta` line."""
    blocks = BLOCK.findall(README)
    examples = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "sh":
            continue
        commands = [line for line in body.splitlines() if line.startswith("uv run warta ")]
        following = blocks[i + 1][1] if i + 1 < len(blocks) and blocks[i + 1][0] == "text" \
            else None
        for j, command in enumerate(commands):
            examples.append((command, following if j == len(commands) - 1 else None))
    return examples


EXAMPLES = readme_examples()


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory, prefect_server):
    """What `make run` leaves in out/: the sample corpus ingested by the real flow."""
    from flows.ingest import ingest_flow

    out = tmp_path_factory.mktemp("readme") / "out"
    ingest_flow(source=str(SAMPLE_CORPUS), warehouse=str(out / "warta.duckdb"))
    return out


def test_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command,shown", EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_command_runs_and_prints_what_is_shown(command, shown, out_dir, capsys):
    argv = [arg.replace("out/", f"{out_dir}/") for arg in shlex.split(command)[3:]]
    assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    if shown:
        for line in shown.splitlines():
            if "│" not in line:
                continue
            cells = [c.strip() for c in line.strip("│ ").split("│")]
            pattern = r"\s*│\s*".join(re.escape(c) for c in cells)
            assert re.search(pattern, printed), f"README row {cells} not printed"
