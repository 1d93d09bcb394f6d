"""Where raw files come from: a folder, one file, or any fsspec URL."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

import fsspec
from fsspec.core import url_to_fs


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
            return float(value.timestamp())
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None


def _is_hidden(relpath: str) -> bool:
    return any(part.startswith(".") for part in relpath.split("/"))


def list_source(source: str, follow_symlinks: bool = False) -> Iterator[SourceFile]:
    """Files under `source` in a stable (sorted) order; hidden files and folders are skipped."""
    try:
        fs, root = url_to_fs(source)
        exists = fs.exists(root)
    except Exception as exc:  # backends raise their own kinds for bad URLs
        raise SourceError(f"cannot open source {source}: {exc}") from exc
    if not exists:
        raise SourceError(f"source not found: {source}")
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
    def to_uri(path: str) -> str:
        return path if protocol in ("file", "local") else f"{protocol}://{path}"
    if not fs.isdir(root):
        info = fs.info(root)
        yield SourceFile(to_uri(info["name"]), posixpath.basename(info["name"]),
                         int(info.get("size") or 0), _mtime(info))
        return
    listing = fs.find(root, detail=True, withdirs=False)
    root_clean = root.rstrip("/")
    for path in sorted(listing):
        info = listing[path]
        relpath = posixpath.relpath(path, root_clean) if path.startswith(root_clean) else path
        if _is_hidden(relpath) or info.get("type") == "directory":
            continue
        if info.get("islink") and not follow_symlinks:
            continue
        yield SourceFile(to_uri(path), relpath, int(info.get("size") or 0), _mtime(info))


def read_file_bytes(uri: str) -> bytes:
    with fsspec.open(uri, "rb") as handle:
        return handle.read()
