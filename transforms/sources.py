"""Where raw files come from: a folder, one file, or any fsspec URL.

A local folder is walked here, not by fsspec, because the file system is input too:

- the walk streams: each file is yielded as soon as it is known, and memory holds one
  folder's names at a time (plus the folders still to walk), never the whole listing,
  so memory grows with the largest single folder, not with the corpus;
- the order is fixed on every run and machine: depth first, in each folder its files
  in name order, then its subfolders in name order (see `_walk`);
- symlinks are skipped unless `follow_symlinks`; followed links never loop (every real
  directory is entered once, which also stops bind-mount cycles);
- files that are not regular files (FIFOs, sockets, devices) are listed, so that they
  show up as `unreadable` rejects, but never opened in a way that could block;
- a folder that cannot be listed is listed itself, so it too becomes an `unreadable`
  reject (and stays out of the ledger) instead of silently hiding its files;
- a file that vanishes between listing and reading is an `unreadable` reject;
- a file that changes while being read is an `unreadable` reject (read again next run);
- a name that is not valid UTF-8 gets a stable, reversible, storable uri: the path as a
  `file://` URL with percent-escaped bytes (plain paths stay plain); its relpath has
  only the undecodable bytes escaped (`%FF`).
"""

from __future__ import annotations

import bisect
import math
import os
import posixpath
import stat
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes

from fsspec.core import url_to_fs

from transforms.rejects import Rejected, RejectReason

FILE_URL_PREFIX = "file://"
_READ_CHUNK = 1 << 20
# datetime.fromtimestamp accepts years 1..9999; a hostile mtime outside that is dropped.
_MIN_MTIME, _MAX_MTIME = -62135596800.0, 253402300799.0


class SourceError(ValueError):
    """The source cannot be listed at all (missing, unreachable): the run cannot start."""


@dataclass(frozen=True)
class SourceFile:
    uri: str            # where to read it again (absolute path or URL)
    relpath: str        # path inside the source: stable across machines, part of doc_id
    size: int
    mtime: float | None


def _mtime(info: dict) -> float | None:
    for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
        value = info.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return _sane_mtime(float(value.timestamp()))
        try:
            return _sane_mtime(float(value))
        except (TypeError, ValueError):
            continue
    return None


def _sane_mtime(value: float) -> float | None:
    if math.isfinite(value) and _MIN_MTIME <= value <= _MAX_MTIME:
        return value
    return None


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def local_uri(path: str) -> str:
    """The storable uri of a local path: itself, or a percent-escaped file:// URL."""
    if not _has_surrogates(path):
        return path
    return FILE_URL_PREFIX + quote_from_bytes(os.fsencode(path), safe="/")


def local_relpath(relpath: str) -> str:
    """A storable relpath: undecodable name bytes shown as %XX, the rest unchanged."""
    if not _has_surrogates(relpath):
        return relpath
    return _escape_undecodable(os.fsencode(relpath))


def _escape_undecodable(raw: bytes) -> str:
    out: list[str] = []
    pos = 0
    while pos < len(raw):
        try:
            out.append(raw[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            out.append(raw[pos:pos + exc.start].decode("utf-8"))
            out.extend(f"%{b:02X}" for b in raw[pos + exc.start:pos + exc.end])
            pos += exc.end
    return "".join(out)


def uri_to_local_path(uri: str) -> str | None:
    """The OS path of a local uri (as list_source makes them), or None for other URLs."""
    if uri.startswith(FILE_URL_PREFIX):
        return os.fsdecode(unquote_to_bytes(uri[len(FILE_URL_PREFIX):]))
    if uri.startswith("/"):
        return uri
    return None


class LocalExclusion:
    """Local files and folders to leave out of a listing (the warehouse's own files when it
    sits inside the source), compared as real paths, so a source named through a symlink
    still matches. Only whole names match: a source file that merely starts like one of
    them (`warta_2024.jsonl` beside `warta.duckdb`) is kept."""

    def __init__(self, files: Iterable[str | os.PathLike[str]],
                 folders: Iterable[str | os.PathLike[str]],
                 follow_symlinks: bool = False) -> None:
        self._files = {os.path.realpath(f) for f in files}
        self._links = follow_symlinks  # else no listed file is a link: no lstat per file
        self._folders = tuple(os.path.join(os.path.realpath(d), "") for d in folders)
        self._last: tuple[str, str] = ("", "")  # a listing yields a folder's files together

    def __contains__(self, uri: str) -> bool:
        path = uri_to_local_path(uri)
        if path is None:
            return False
        folder, name = os.path.split(path)
        if folder != self._last[0]:
            self._last = (folder, os.path.realpath(folder))
        real = os.path.join(self._last[1], name)
        if self._links and os.path.islink(path):  # a followed link to one of them
            real = os.path.realpath(path)
        return real in self._files or real.startswith(self._folders)


def list_source(source: str, follow_symlinks: bool = False) -> Iterator[SourceFile]:
    """Files under `source` in a stable order; hidden files and folders are skipped.

    Streamed in a fixed order: each folder's files by name, then its subfolders by name
    (`_walk` for a local folder, `_walk_store` for other file systems).
    """
    try:
        fs, root = url_to_fs(source)
        protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
        if protocol in ("file", "local"):
            yield from _list_local(root, follow_symlinks)
            return
        # Object-store listings are cached per process (and per Dask worker): list afresh,
        # or objects added since the last run stay invisible.
        fs.invalidate_cache(root)
        exists = fs.exists(root)
    except SourceError:
        raise
    except Exception as exc:  # backends raise their own kinds for bad URLs
        raise SourceError(f"cannot open source {source}: {exc}") from exc
    if not exists:
        raise SourceError(f"source not found: {source}")

    def to_uri(path: str) -> str:
        return f"{protocol}://{path}"

    if not fs.isdir(root):
        info = fs.info(root)
        yield SourceFile(to_uri(info["name"]), posixpath.basename(info["name"]),
                         int(info.get("size") or 0), _mtime(info))
        return
    yield from _walk_store(fs, root.rstrip("/"), to_uri, follow_symlinks)


def _walk_store(fs: Any, root: str, to_uri: Any, follow_symlinks: bool) -> Iterator[SourceFile]:
    """An object store (or any fsspec file system) walked one folder (prefix) at a time, in
    the local walk's order: each folder's files by name, then its subfolders by name.

    `fs.find` would return every object of the source in one dict (~1 KB an object) before
    the first could be read; each folder's listing is also dropped from fsspec's listing
    cache once used, so memory holds one folder's entries and the folders still to walk."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = fs.ls(directory, detail=True)
        finally:
            fs.invalidate_cache(directory)
        files: list[tuple[str, dict]] = []
        subdirs: list[str] = []
        for info in entries:
            path = info["name"].rstrip("/")
            name = posixpath.basename(path)
            if path == directory or not name or name.startswith("."):
                continue
            if info.get("type") == "directory":
                subdirs.append(path)
            elif follow_symlinks or not info.get("islink"):
                files.append((path, info))
        del entries
        files.sort(key=lambda item: item[0])
        for path, info in files:
            relpath = posixpath.relpath(path, root) if path.startswith(root) else path
            yield SourceFile(to_uri(path), relpath, int(info.get("size") or 0), _mtime(info))
        stack.extend(sorted(subdirs, reverse=True))


def _list_local(root: str, follow_symlinks: bool) -> Iterator[SourceFile]:
    try:
        st = os.stat(root)  # the source itself may be a link: the user named it
    except FileNotFoundError as exc:
        raise SourceError(f"source not found: {root}") from exc
    except OSError as exc:
        raise SourceError(f"cannot open source {root}: {exc}") from exc
    if not stat.S_ISDIR(st.st_mode):
        yield _local_file(root, posixpath.basename(root), st)
        return
    yield from _walk(root.rstrip("/") or "/", follow_symlinks, {(st.st_dev, st.st_ino)})


def _walk(root: str, follow: bool, seen: set[tuple[int, int]]) -> Iterator[SourceFile]:
    """Walk without recursion, yielding each file as soon as it is known.

    Depth first: in each folder its files (and other non-folder entries) in name order,
    then each subfolder in name order, walked completely before the next one. Folders
    reached through a link come only after every real folder (in the order they were
    met), so a folder that is both linked and real is always listed under its real path:
    the same relpaths (and doc_ids), in the same order, on every run and every machine.

    `seen` holds the real directories entered (one entry per directory, not per file).
    Memory holds the names of one folder at a time, the subfolders still to walk and the
    linked folders met so far: never the whole listing.
    """
    real: list[tuple[str, str]] = [(root, "")]  # a stack: the next folder is last
    linked: deque[tuple[str, str, tuple[int, int]]] = deque()
    while real or linked:
        if real:
            current, rel = real.pop()
        else:
            current, rel, key = linked.popleft()
            if key in seen:
                continue  # a loop, or a second way into a folder already walked
            seen.add(key)
        try:
            files, dirs = _scan(current, follow)
        except OSError:
            if not rel:
                raise
            # Listed as a "file": reading it fails, so it becomes an unreadable reject.
            yield _local_file(current, rel, None)
            continue
        subdirs: list[tuple[str, str]] = []
        for name in sorted(dirs):  # entered in name order: the first way in wins
            path, relpath = _join(current, rel, name)
            try:
                dir_st = os.lstat(path)
            except FileNotFoundError:
                continue  # vanished while listing
            except OSError:
                files.append(name)  # listed below, as an unreadable entry
                continue
            if not stat.S_ISDIR(dir_st.st_mode):
                files.append(name)  # replaced since it was listed
            elif (dir_st.st_dev, dir_st.st_ino) not in seen:  # bind mounts loop too
                seen.add((dir_st.st_dev, dir_st.st_ino))
                subdirs.append((path, relpath))
        del dirs
        files.sort(reverse=True)  # popped from the end: names are freed as files go out
        while files:
            path, relpath = _join(current, rel, files.pop())
            try:
                entry_st = os.lstat(path)
            except FileNotFoundError:
                continue  # vanished while listing
            except OSError:
                yield _local_file(path, relpath, None)
                continue
            if stat.S_ISLNK(entry_st.st_mode):
                if not follow:
                    continue  # replaced by a link since it was listed
                try:
                    entry_st = os.stat(path)
                except OSError:  # a dangling link someone asked us to follow, or ELOOP
                    yield _local_file(path, relpath, None)
                    continue
                if stat.S_ISDIR(entry_st.st_mode):
                    key = (entry_st.st_dev, entry_st.st_ino)
                    if key not in seen:
                        linked.append((path, relpath, key))
                    continue
            elif stat.S_ISDIR(entry_st.st_mode):  # a folder now: walk it like the others
                key = (entry_st.st_dev, entry_st.st_ino)
                if key not in seen:
                    seen.add(key)
                    bisect.insort(subdirs, (path, relpath))
                continue
            yield _local_file(path, relpath, entry_st)
        real.extend(reversed(subdirs))


def _scan(directory: str, follow: bool) -> tuple[list[str], list[str]]:
    """The visible names in `directory`: (files and other non-folders, real folders).

    Uses only what the listing itself tells (d_type): no stat per file here. Links are
    left out unless followed; a followed link counts as a file until it is stat'ed.
    """
    files: list[str] = []
    dirs: list[str] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_symlink():
                    if follow:
                        files.append(name)
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False  # stat'ed again when listed: an unreadable entry
            (dirs if is_dir else files).append(name)
    return files, dirs


def _join(directory: str, rel: str, name: str) -> tuple[str, str]:
    return posixpath.join(directory, name), f"{rel}/{name}" if rel else name


def _local_file(path: str, relpath: str, st: os.stat_result | None) -> SourceFile:
    size = st.st_size if st is not None and stat.S_ISREG(st.st_mode) else 0
    mtime = _sane_mtime(st.st_mtime) if st is not None else None
    return SourceFile(local_uri(path), local_relpath(relpath), int(size), mtime)


def read_file_bytes(uri: str, limit: int | None = None) -> bytes:
    """The bytes of one listed file.

    Raises OSError when the file is gone, is not a regular file (never blocks on a FIFO),
    or changes while it is read; Rejected(too_large) when more than `limit` bytes arrive.
    """
    return read_file_version(uri, limit)[0]


def read_file_version(uri: str, limit: int | None = None
                      ) -> tuple[bytes, tuple[int, float | None] | None]:
    """The bytes of one listed file and the (size, mtime) they were read under (None on
    object stores). The ledger stores these, not the listing's: a file changed between
    listing and reading, then put back with its old size and time (rsync -t), was
    otherwise ledgered as that old version and never read again."""
    path = uri_to_local_path(uri)
    if path is None:
        fs, remote = url_to_fs(uri)
        fs.invalidate_cache(remote)  # cached sizes of an object replaced since listing
        with fs.open(remote, "rb") as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
        _check_limit(len(data), limit)
        return data, None
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        before = os.fstat(fd)
        if stat.S_ISDIR(before.st_mode):
            raise IsADirectoryError(f"{uri!r} is a folder that could not be listed")
        if not stat.S_ISREG(before.st_mode):
            raise OSError(f"{uri!r} is not a regular file (FIFO, socket or device)")
        chunks: list[bytes] = []
        total = 0
        cap = None if limit is None else limit + 1
        while cap is None or total < cap:
            chunk = os.read(fd, _READ_CHUNK if cap is None else min(_READ_CHUNK, cap - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        _check_limit(total, limit)
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise OSError(f"{uri!r} changed while being read; it will be read again next run")
        return b"".join(chunks), (int(after.st_size), _sane_mtime(after.st_mtime))
    finally:
        os.close(fd)


def _check_limit(total: int, limit: int | None) -> None:
    if limit is not None and total > limit:
        raise Rejected(RejectReason.TOO_LARGE, f"more than {limit} bytes")
