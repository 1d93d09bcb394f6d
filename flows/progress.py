"""Progress of a long ingest: a live bar on a terminal, periodic log lines elsewhere."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Protocol


class Progress(Protocol):
    def start(self, total_files: int, total_bytes: int) -> None: ...
    def advance(self, files: int, nbytes: int, records: int) -> None: ...
    def close(self) -> None: ...


class NoProgress:
    def start(self, total_files: int, total_bytes: int) -> None:
        pass

    def advance(self, files: int, nbytes: int, records: int) -> None:
        pass

    def close(self) -> None:
        pass


class LogProgress:
    """For CI and scheduled runs: one line every `every` seconds and one at the end."""

    def __init__(self, logger: logging.Logger | Any, every: float = 10.0) -> None:
        self.logger = logger
        self.every = every
        self.files = self.nbytes = self.records = 0
        self.total_files = self.total_bytes = 0
        self.started = self.last = time.monotonic()

    def start(self, total_files: int, total_bytes: int) -> None:
        self.total_files, self.total_bytes = total_files, total_bytes
        self.started = self.last = time.monotonic()
        self.logger.info("to read: %d files, %.1f MB", total_files, total_bytes / 1e6)

    def advance(self, files: int, nbytes: int, records: int) -> None:
        self.files += files
        self.nbytes += nbytes
        self.records += records
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.logger.info(self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.records / elapsed
        share = self.nbytes / self.total_bytes if self.total_bytes else 1.0
        left = elapsed * (1 - share) / share if share > 0 else float("nan")
        return (f"progress: {self.files}/{self.total_files} files, {self.records} records, "
                f"{rate:.0f} records/s, {share:.0%} of bytes, about {left:.0f} s left")

    def close(self) -> None:
        self.logger.info(self.line(time.monotonic()))


class BarProgress:
    """A rich progress bar on stderr: files, records, records/s, time left."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.records = 0
        self.started = time.monotonic()
        self.bar = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("files  {task.fields[records]} records  "
                                       "{task.fields[rate]} rec/s"),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=False)
        self.task = None

    def start(self, total_files: int, total_bytes: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("ingest", total=total_files, records=0, rate=0)

    def advance(self, files: int, nbytes: int, records: int) -> None:
        self.records += records
        rate = self.records / max(time.monotonic() - self.started, 1e-9)
        self.bar.update(self.task, advance=files, records=self.records, rate=f"{rate:.0f}")

    def close(self) -> None:
        self.bar.stop()


def make_progress(mode: str, logger: Any) -> Progress:
    """mode: 'auto' (bar on a terminal, log lines otherwise), 'bar', 'log' or 'off'."""
    if mode == "off":
        return NoProgress()
    if mode == "bar" or (mode == "auto" and sys.stderr.isatty()):
        return BarProgress()
    return LogProgress(logger)
