"""The file system as hostile input: links, loops, FIFOs, odd names, files that vanish or
change, folders that cannot be listed, absurd mtimes; and process_batch never raising."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.corpus import article_text
from transforms.config import WartaConfig
from transforms.pipeline import BatchContext, process_batch
from transforms.rejects import Rejected, RejectReason
from transforms.sources import (
    SourceError,
    SourceFile,
    list_source,
    local_relpath,
    local_uri,
    read_file_bytes,
    uri_to_local_path,
)


def relpaths(root: Path, follow: bool = False) -> list[str]:
    return [f.relpath for f in list_source(str(root), follow)]


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "src"
    outside = tmp_path / "outside"
    (src / "sub" / "deeper").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (src / "a.txt").write_text("a")
    (src / "sub" / "deeper" / "z.txt").write_text("z")
    os.symlink(outside, src / "escape")
    os.symlink(outside / "secret.txt", src / "secret_link.txt")
    os.symlink(".", src / "sub" / "self")
    os.symlink("../..", src / "sub" / "deeper" / "up")
    os.symlink("missing.txt", src / "dangling.txt")
    return src


def test_symlinks_are_not_followed_by_default(tree):
    assert relpaths(tree) == ["a.txt", "sub/deeper/z.txt"]


def test_followed_symlinks_never_loop_and_prefer_real_paths(tree):
    got = relpaths(tree, follow=True)
    # Real folders first (files, then subfolders, in name order); linked folders last.
    assert got == ["a.txt", "dangling.txt", "secret_link.txt", "sub/deeper/z.txt",
                   "escape/secret.txt"]
    # The dangling link is listed so that it shows up as an unreadable reject.
    [dangling] = [f for f in list_source(str(tree), True) if f.relpath == "dangling.txt"]
    with pytest.raises(OSError):
        read_file_bytes(dangling.uri)


def test_many_links_into_each_other_stay_linear(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(12):       # each folder links to every other: 2**12 paths if followed
        (src / f"d{i}").mkdir()
        (src / f"d{i}" / "f.txt").write_text(str(i))
    for i in range(12):
        for j in range(12):
            if i != j:
                os.symlink(f"../d{j}", src / f"d{i}" / f"to{j}")
    assert relpaths(src, follow=True) == [f"d{i}/f.txt" for i in sorted(range(12), key=str)]


def test_deep_tree_needs_no_recursion(tmp_path):
    src = tmp_path / "src"
    deep = src.joinpath(*["d"] * 300)
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text("x")
    assert relpaths(src) == ["/".join(["d"] * 300) + "/x.txt"]


def test_hidden_files_and_folders_are_skipped(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "a.txt").write_text("x")
    (tmp_path / ".b.txt").write_text("x")
    (tmp_path / "c.txt").write_text("x")
    assert relpaths(tmp_path) == ["c.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_listed_but_never_blocks(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    [f] = list_source(str(tmp_path))
    with pytest.raises(OSError, match="not a regular file"):
        read_file_bytes(f.uri)


def test_odd_names_round_trip(tmp_path):
    names = ["a::b.txt", "q[1]*?.txt", "$(touch x).txt", "new\nline.txt", "caf\u00e9.txt",
             "%41.txt", "sp ace.txt"]
    for name in names:
        (tmp_path / name).write_text(name)
    raw = b"bad\xff\xfename.txt"
    with open(os.path.join(os.fsencode(tmp_path), raw), "wb") as handle:
        handle.write(b"raw")
    listed = {f.relpath: f for f in list_source(str(tmp_path))}
    assert set(listed) == {*names, "bad%FF%FEname.txt"}
    for name in names:
        assert listed[name].uri == f"{tmp_path}/{name}"
        assert read_file_bytes(listed[name].uri) == name.encode()
    bad = listed["bad%FF%FEname.txt"]
    assert bad.uri == f"file://{tmp_path}/bad%FF%FEname.txt"
    bad.uri.encode("utf-8")
    assert read_file_bytes(bad.uri) == b"raw"


def test_uri_escaping_is_stable_and_reversible():
    path = os.fsdecode(b"/data/caf\xe9 %41/x\xff.txt")
    uri = local_uri(path)
    assert uri == "file:///data/caf%E9%20%2541/x%FF.txt"
    assert uri_to_local_path(uri) == path
    assert local_uri("/plain/caf\u00e9.txt") == "/plain/caf\u00e9.txt"
    assert local_relpath(os.fsdecode(b"x\xff\xc3\xa9")) == "x%FF\u00e9"
    assert uri_to_local_path("memory://bucket/x") is None


def test_vanished_file_is_an_oserror(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    [f] = list_source(str(tmp_path))
    path.unlink()
    with pytest.raises(FileNotFoundError):
        read_file_bytes(f.uri)


def test_file_changing_while_read_is_an_oserror(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 3_000_000)
    real_read = os.read
    calls = []

    def read_and_append(fd, n):
        calls.append(n)
        if len(calls) == 1:
            with open(path, "ab") as handle:
                handle.write(b"more")
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", read_and_append)
    with pytest.raises(OSError, match="changed while being read"):
        read_file_bytes(str(path))


def test_read_limit_stops_reading(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 5000)
    assert read_file_bytes(str(path), limit=5000) == b"x" * 5000
    with pytest.raises(Rejected) as info:
        read_file_bytes(str(path), limit=4999)
    assert info.value.reason is RejectReason.TOO_LARGE


def test_unlistable_folder_is_listed_as_itself(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("a")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("b")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files = {f.relpath: f for f in list_source(str(tmp_path))}
    assert set(files) == {"ok/a.txt", "locked"}
    with pytest.raises(OSError, match="folder"):
        read_file_bytes(files["locked"].uri)


def test_missing_or_unlistable_source_is_a_source_error(tmp_path, monkeypatch):
    with pytest.raises(SourceError, match="not found"):
        list(list_source(str(tmp_path / "nope")))
    monkeypatch.setattr(os, "scandir", lambda path: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied")))
    with pytest.raises(SourceError):
        list(list_source(str(tmp_path)))


def test_absurd_mtimes_become_none():
    # datetime.fromtimestamp (used on mtimes downstream) raises outside years 1..9999.
    from transforms.sources import _mtime

    assert _mtime({"mtime": 3e11}) is None
    assert _mtime({"mtime": -7e10}) is None
    assert _mtime({"mtime": float("nan")}) is None
    assert _mtime({"mtime": float("inf")}) is None
    assert _mtime({"mtime": 1.7e9}) == 1.7e9
    assert _mtime({"mtime": -1e9}) == -1e9
    for value in (253402300799.0, -62135596800.0):
        datetime.fromtimestamp(_mtime({"mtime": value}), UTC)


# --- process_batch: one bad file is a reject, never an exception -------------------------

def _batch(tmp_path: Path, files: list[SourceFile], read_bytes=None) -> dict:
    staged = process_batch("b", files, str(tmp_path / "stage"),
                           BatchContext(WartaConfig(), datetime.now(UTC), read_bytes))
    rejects = pq.read_table(staged.path("rejects")).to_pylist()
    ledger = pq.read_table(staged.path("files")).to_pylist()
    assert staged.n_records == staged.n_documents + staged.n_rejects
    return {"staged": staged, "rejects": rejects, "ledger": ledger}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_batch_with_fifo_vanished_and_odd_named_files(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    os.mkfifo(src / "pipe.txt")
    (src / "gone.txt").write_text(article_text("beras"))
    with open(os.path.join(os.fsencode(src), b"caf\xe9.txt"), "wb") as handle:
        handle.write(article_text("gandum").encode())
    (src / "ok.txt").write_text(article_text("timnas"))
    files = list(list_source(str(src)))
    (src / "gone.txt").unlink()
    out = _batch(tmp_path, files)
    by_uri = {r["source_uri"]: r["reason"] for r in out["rejects"]}
    assert by_uri == {f"{src}/gone.txt": "unreadable", f"{src}/pipe.txt": "unreadable"}
    assert out["staged"].n_documents == 2
    assert {r["relpath"] for r in out["ledger"]} == {"caf%E9.txt", "ok.txt"}


def test_batch_survives_surrogates_from_json_and_a_reader_that_returns_garbage(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "s.json").write_text(
        '{"title": "Judul \\ud800", "url": "https://x.id/\\udfff", "date": "\\u0000",'
        ' "text": ' + __import__("json").dumps(article_text("banjir", title=False) + "\ud800")
        + "}")
    files = list(list_source(str(src)))
    out = _batch(tmp_path, files)
    assert out["staged"].n_documents == 1 and not out["rejects"]


def test_batch_with_a_reader_raising_oserror_midway(tmp_path):
    files = [SourceFile("/nowhere/a.txt", "a.txt", 10, 1.0),
             SourceFile("/nowhere/b.txt", "b.txt", 10, 1.0)]

    def read_bytes(uri):
        if uri.endswith("a.txt"):
            raise PermissionError(13, "Permission denied", uri)
        return article_text("beras").encode()

    out = _batch(tmp_path, files, read_bytes)
    assert [r["reason"] for r in out["rejects"]] == ["unreadable"]
    assert [r["relpath"] for r in out["ledger"]] == ["b.txt"]
