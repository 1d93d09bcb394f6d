"""Import Great Expectations without two heavy libraries that warta's suites never run.

`import great_expectations` registers every core expectation, and two of them import big
libraries at module level: the distribution tests import `scipy.stats` (~60 MB, ~480
modules) and the KL-divergence expectation imports `altair` for its chart (~30 MB). While
GX is first imported here, those two are loaded lazily (`importlib.util.LazyLoader`): the
module objects exist and run on their first attribute access, so an expectation that does
use them still works; warta's gate never touches them. Measured: GX's import + context
157 -> 80 MB resident, 6.2 -> 3.0 s.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

__all__ = ["import_great_expectations", "DEFERRED"]

DEFERRED = ("scipy.stats", "altair")
_LOCK = threading.Lock()


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds the DEFERRED modules as usual but hands them out with a lazy loader."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def import_great_expectations() -> ModuleType:
    """`great_expectations`, imported (once per process) with DEFERRED loaded lazily."""
    with _LOCK:
        if "great_expectations" not in sys.modules:
            finder = _LazyFinder()
            sys.meta_path.insert(0, finder)
            try:
                import great_expectations  # noqa: F401
            finally:
                sys.meta_path.remove(finder)
        return sys.modules["great_expectations"]
