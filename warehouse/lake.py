"""Where Parquet lake and staging files live: a local folder or an fsspec URL (s3://...).

Local folders keep plain `os` calls (atomic rename). Object stores go through fsspec: a
file is written under a temporary key and copied to its final key, so a reader sees a whole
object or none. DuckDB reads and writes URLs through the same fsspec filesystem
(`register`), so the loader's SQL is the same for both.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
from pathlib import Path

import duckdb
from fsspec.core import url_to_fs


def is_url(location: str | os.PathLike[str]) -> bool:
    return "://" in str(location)


class Lake:
    """A root folder or URL with the few operations the loader needs."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = str(root).rstrip("/")
        self.local = not is_url(self.root)
        if self.local:
            self.root = str(Path(self.root).resolve())
            self.fs = None
        else:
            self.fs, _ = url_to_fs(self.root)

    def __str__(self) -> str:
        return self.root

    def url(self, *parts: str) -> str:
        if self.local:
            return os.path.join(self.root, *parts)
        return posixpath.join(self.root, *parts)

    def exists(self, *parts: str) -> bool:
        if self.local:
            return os.path.exists(self.url(*parts))
        return self.fs.exists(self.url(*parts))

    def names(self, *parts: str) -> list[str]:
        """File names directly under a folder (none when it does not exist)."""
        if self.local:
            folder = Path(self.url(*parts))
            return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        try:
            self.fs.invalidate_cache(self.url(*parts))
            return sorted(posixpath.basename(p.rstrip("/"))
                          for p in self.fs.ls(self.url(*parts), detail=False))
        except FileNotFoundError:
            return []

    def makedirs(self, *parts: str) -> None:
        if self.local:
            os.makedirs(self.url(*parts), exist_ok=True)
        # object stores have no folders

    def remove(self, *parts: str) -> None:
        if self.local:
            Path(self.url(*parts)).unlink(missing_ok=True)
        else:
            remove_tree(self.url(*parts))

    def replace(self, tmp: str, final: str) -> None:
        """Make `tmp` appear whole at `final` (rename; copy then delete on object stores)."""
        if self.local:
            os.replace(tmp, final)
        else:
            self.fs.copy(tmp, final)
            self.fs.rm(tmp)

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Let DuckDB read and write this lake's URLs through fsspec."""
        if self.fs is not None and not con.filesystem_is_registered(_protocol(self.fs)):
            con.register_filesystem(self.fs)


def _protocol(fs: object) -> str:
    protocol = fs.protocol  # type: ignore[attr-defined]
    return protocol[0] if isinstance(protocol, tuple) else protocol


def remove_tree(location: str) -> None:
    """Remove a folder or prefix and everything under it; nothing when it is missing."""
    if not is_url(location):
        shutil.rmtree(location, ignore_errors=True)
        return
    fs, path = url_to_fs(location)
    with contextlib.suppress(FileNotFoundError):
        fs.rm(path, recursive=True)
    fs.invalidate_cache(path)
