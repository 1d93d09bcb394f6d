"""Crash injection for the kill-and-rerun tests.

`WARTA_FAILPOINT=name[:n]` kills the process with SIGKILL (no cleanup, no finally blocks,
like a power cut) the n-th time (default 1st) execution reaches `failpoint(name)`.
Unset, it costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_hits: Counter[str] = Counter()


def failpoint(name: str) -> None:
    spec = os.environ.get("WARTA_FAILPOINT")
    if not spec:
        return
    target, _, nth = spec.partition(":")
    if target != name:
        return
    _hits[name] += 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
