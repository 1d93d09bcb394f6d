"""Peak memory of a process tree, for the benchmarks (workers and servers included)."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter

import psutil


class TreeMemory:
    """Peak summed RSS of a process (default: this one) and all its descendants, sampled
    every `every` seconds in a thread; `at_peak` splits that peak by role (the root process,
    Prefect's temporary server, other workers) so a report can say where it went."""

    def __init__(self, pid: int | None = None, every: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.peak = 0
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

    def _sample(self) -> Counter[str]:
        by_role: Counter[str] = Counter()
        with contextlib.suppress(psutil.Error):
            for proc in [self.root, *self.root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    by_role[self._role(proc)] += proc.memory_info().rss
        return by_role

    def _run(self) -> None:
        while not self._stop.is_set():
            by_role = self._sample()
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
