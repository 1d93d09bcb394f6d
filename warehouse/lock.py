"""One writer at a time: an advisory lock file beside the DuckDB file."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another warta process is writing this warehouse."""


class WriterLock:
    def __init__(self, warehouse_path: Path) -> None:
        self.path = Path(str(warehouse_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise WarehouseBusy(
                f"warehouse {self.path.with_suffix('')} is being written by another warta "
                f"process (pid {holder}); wait for it to finish and run again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
