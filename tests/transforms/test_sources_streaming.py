"""A local folder is listed as a stream: files come out while later folders are not yet
listed, memory does not grow with the number of files, and the order is fixed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from transforms.sources import list_source


def _touch_many(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        os.close(os.open(folder / f"f{i:05d}.txt", os.O_CREAT | os.O_WRONLY, 0o644))


@pytest.fixture
def hostile_tree(tmp_path, monkeypatch):
    """Nested folders, hidden entries, links (a real folder linked too, an outside folder,
    a loop to the root, a dangling link, an ELOOP pair), a FIFO and an unlistable folder."""
    src = tmp_path / "src"
    (src / "b" / "d").mkdir(parents=True)
    (src / "b" / ".h").mkdir()
    (src / ".git").mkdir()
    (src / "shared").mkdir()
    (src / "locked").mkdir()
    (tmp_path / "outside").mkdir()
    (src / "a.txt").write_text("a")
    (src / ".hidden.txt").write_text("hidden")
    (src / ".git" / "x.txt").write_text("git")
    (src / "b" / "c.txt").write_text("cc")
    (src / "b" / ".h" / "f.txt").write_text("hidden")
    (src / "b" / "d" / "e.txt").write_text("eee")
    (src / "shared" / "s.txt").write_text("ssss")
    (src / "locked" / "g.txt").write_text("g")
    (tmp_path / "outside" / "o.txt").write_text("ooooo")
    os.symlink("shared", src / "link_shared")          # also real: listed as shared/
    os.symlink("../outside", src / "outside_link")     # only linked: listed through it
    os.symlink(".", src / "self")                      # a loop to the root
    os.symlink("../..", src / "b" / "d" / "up")        # a loop to the root, deeper
    os.symlink("missing.txt", src / "dangling")
    os.symlink("loop2", src / "loop1")                 # ELOOP when followed
    os.symlink("loop1", src / "loop2")
    os.mkfifo(src / "pipe")
    locked = src / "locked"
    locked.chmod(0)
    if os.access(locked, os.R_OK | os.X_OK):  # root reads anything: refuse it by hand
        real_scandir = os.scandir

        def scandir(path):
            if os.fspath(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
    yield src
    locked.chmod(stat.S_IRWXU)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hostile_tree_lists_the_same_files_in_a_fixed_order(hostile_tree):
    src = hostile_tree
    first = [(f.uri, f.relpath, f.size) for f in list_source(str(src), True)]
    second = [(f.uri, f.relpath, f.size) for f in list_source(str(src), True)]
    assert first == second
    # Depth first: a folder's files in name order, then its subfolders in name order;
    # the folder reached only through a link comes last. Links to folders already walked
    # (link_shared, self, b/d/up) add nothing; dangling links, ELOOP links, the FIFO and
    # the unlistable folder are listed with size 0 (they become unreadable rejects).
    sizes = {"a.txt": 1, "dangling": 0, "loop1": 0, "loop2": 0, "pipe": 0, "b/c.txt": 2,
             "b/d/e.txt": 3, "locked": 0, "shared/s.txt": 4, "outside_link/o.txt": 5}
    assert first == [(f"{src}/{rel}", rel, size) for rel, size in sizes.items()]

    plain = [(f.uri, f.relpath, f.size) for f in list_source(str(src))]
    assert plain == [(f"{src}/{rel}", rel, sizes[rel])
                     for rel in ("a.txt", "pipe", "b/c.txt", "b/d/e.txt", "locked",
                                 "shared/s.txt")]


def test_files_come_out_before_later_folders_are_listed(tmp_path, monkeypatch):
    src = tmp_path / "src"
    for name in ("d0", "d1", "d2"):
        _touch_many(src / name, 2000)
    real_scandir = os.scandir
    listed: list[str] = []

    def scandir(path):
        listed.append(os.path.relpath(path, src))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files = list_source(str(src))
    assert listed == []  # a generator: nothing happens before the first file is asked for
    head = [next(files) for _ in range(2000)]
    assert [f.relpath for f in head] == [f"d0/f{i:05d}.txt" for i in range(2000)]
    assert listed == [".", "d0"]  # d1 and d2 not even listed yet
    rest = list(files)
    assert listed == [".", "d0", "d1", "d2"]
    assert [f.relpath for f in rest] == [f"d{d}/f{i:05d}.txt" for d in (1, 2)
                                         for i in range(2000)]


_PEAK_PROBE = """
import sys, tracemalloc
from transforms.sources import list_source
tracemalloc.start()
count = sum(1 for _ in list_source(sys.argv[1]))
print(tracemalloc.get_traced_memory()[1], count)
"""


def _streaming_peak(root: Path) -> tuple[int, int]:
    """(peak bytes allocated while walking every file without keeping any, file count).

    Measured in a fresh interpreter: tracemalloc counts every thread's allocations, and
    threads left running by earlier tests (Prefect's) allocate at random moments."""
    probe = subprocess.run([sys.executable, "-c", _PEAK_PROBE, str(root)], check=True,
                           capture_output=True, text=True, cwd=Path(__file__).parents[2])
    peak, count = probe.stdout.split()
    return int(peak), int(count)


def test_memory_does_not_grow_with_the_number_of_files(tmp_path):
    small, big = tmp_path / "small", tmp_path / "big"
    for i in range(4):
        _touch_many(small / f"day{i:02d}", 500)
    for i in range(40):
        _touch_many(big / f"day{i:02d}", 500)
    small_peak, small_count = _streaming_peak(small)
    big_peak, big_count = _streaming_peak(big)
    assert (small_count, big_count) == (2_000, 20_000)
    # Ten times the files, about the same peak: one folder's names at a time. (Listing
    # everything first, as before, took ~10x: ~400 bytes per file.)
    assert big_peak < 1.5 * small_peak + 64_000, (small_peak, big_peak)
    assert big_peak < 20 * big_count, (small_peak, big_peak)


def test_object_store_is_walked_one_prefix_at_a_time(monkeypatch):
    """fsspec sources (here the in-memory file system) are listed per folder, in the local
    walk's order, hidden names skipped, and a folder is listed only when the walk gets to it
    (`fs.find` returned every object of the source before the first could be read)."""
    import fsspec

    fs = fsspec.filesystem("memory")
    root = "/warta-stream-test"
    paths = ["b.txt", "a.txt", ".hidden.txt", ".git/x.txt", "sub/z.txt", "sub/deep/y.txt",
             "a2/q.txt", "a-b.txt"]
    for rel in paths:
        fs.pipe(f"{root}/{rel}", rel.encode())
    listed: list[str] = []
    real_ls = type(fs).ls

    def recording_ls(self, path, detail=True, **kwargs):
        listed.append(path.rstrip("/"))
        return real_ls(self, path, detail=detail, **kwargs)

    monkeypatch.setattr(type(fs), "ls", recording_ls)
    try:
        walk = list_source(f"memory://{root}")
        first = next(walk)
        assert listed == [root]  # only the root so far
        rest = list(walk)
    finally:
        fs.rm(root, recursive=True)
    got = [(f.relpath, f.size) for f in [first, *rest]]
    assert got == [("a-b.txt", 7), ("a.txt", 5), ("b.txt", 5), ("a2/q.txt", 8),
                   ("sub/z.txt", 9), ("sub/deep/y.txt", 14)]
    assert first.uri == f"memory://{root}/a-b.txt"
    assert listed == [root, f"{root}/a2", f"{root}/sub", f"{root}/sub/deep"]
