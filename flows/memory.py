"""Allocator settings for an ingest process, so that memory freed after a batch goes back
to the system instead of staying in the resident set.

Three allocators share the flow's process: glibc malloc (Python objects over 512 bytes,
the NER and language models, pandas), DuckDB's bundled jemalloc and Arrow's memory pool
(mimalloc by default). Measured on the 20k bench corpus (threads runner), each one kept
freed memory: Arrow's mimalloc ~170 MB of per-thread segments the staging Parquet and the
gate had used, DuckDB's jemalloc its arenas after each commit, glibc ~60-150 MB of free
chunks spread over the arenas of Prefect's worker threads. Arrow then uses the system
allocator, which returns its large buffers at once (mmap), jemalloc keeps one arena, glibc
at most two, and is trimmed after each batch. jemalloc with immediate purging
(dirty_decay_ms:0) saved another ~70 MB at 20k but cost 372 vs 288 CPU-s at 100k: not used.
Everything here is a default: a value the user exported wins.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os

__all__ = ["configure_allocators", "release_free_memory"]

_ENVIRONMENT = {
    # Read when pyarrow is first imported (documented Arrow setting): mimalloc -> system.
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    # Read by DuckDB's jemalloc on its first allocation (documented DuckDB setting).
    "DUCKDB_JE_MALLOC_CONF": "narenas:1",
    # Read by glibc when a process starts: this one is set with mallopt below, worker
    # processes (spawned by the processes and Dask runners) inherit the variable.
    "MALLOC_ARENA_MAX": "2",
}
_M_ARENA_MAX = -8  # mallopt parameter, glibc's malloc.h


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """glibc, or None elsewhere (macOS, musl): then the malloc settings are skipped."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            return libc
    return None


def configure_allocators() -> None:
    """Call first thing in a CLI process: before pyarrow, DuckDB or any thread starts."""
    user_arenas = "MALLOC_ARENA_MAX" in os.environ  # then glibc has read it already
    for key, value in _ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    libc = _libc()
    if libc is not None and not user_arenas:
        libc.mallopt(_M_ARENA_MAX, 2)  # threads beyond two share arenas: less fragmentation


def release_free_memory() -> None:
    """Give glibc's free chunks back to the system (after a batch is committed, and in a
    worker after each batch task: ~50 MB a worker on the bench batches)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
