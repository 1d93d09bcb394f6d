"""Peak memory of a process tree, for the benchmarks (workers and servers included)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter

import psutil


class TreeMemory:
    """Peak summed RSS of a process (default: this one) and all its descendants, sampled
    every `every` seconds in a thread; `at_peak` splits that peak by role (the root process,
    Prefect's temporary server, other workers) so a report can say where it went.

    Summed RSS counts a page once per process that maps it: the shared libraries (Python,
    Arrow, DuckDB, numpy...) and the interpreter's pages a forked process still shares are
    counted in every process. With `pss=True` the peak of the summed proportional set size
    is kept too (`peak_pss`; each shared page split between its sharers, so the sum is what
    the tree holds in RAM), read from /proc/PID/smaps_rollup (Linux; ~1 ms a process)."""

    def __init__(self, pid: int | None = None, every: float = 0.2, pss: bool = False) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.pss = pss
        self.peak = 0
        self.peak_pss = 0
        self.at_peak: dict[str, int] = {}
        self.role_peaks: Counter[str] = Counter()
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _role(self, proc: psutil.Process) -> str:
        role = self._roles.get(proc.pid)
        if role is None:
            role = "root"
            if proc.pid != self.root.pid:
                with contextlib.suppress(psutil.Error):
                    role = "server" if "uvicorn" in " ".join(proc.cmdline()) else "workers"
            self._roles[proc.pid] = role
        return role

    def _sample(self) -> tuple[Counter[str], int]:
        """RSS by role, and the summed PSS (0 unless asked for)."""
        by_role: Counter[str] = Counter()
        pss = 0
        with contextlib.suppress(psutil.Error):
            for proc in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    if self.pss:
                        full = proc.memory_full_info()
                        by_role[self._role(proc)] += full.rss
                        pss += full.pss
                    else:
                        by_role[self._role(proc)] += proc.memory_info().rss
        return by_role, pss

    def _run(self) -> None:
        while not self._stop.is_set():
            by_role, pss = self._sample()
            self.peak_pss = max(self.peak_pss, pss)
            total = sum(by_role.values())
            if total > self.peak:
                self.peak, self.at_peak = total, dict(by_role)
            for role, rss in by_role.items():
                self.role_peaks[role] = max(self.role_peaks[role], rss)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
