"""`flows.memory`: allocator defaults and returning freed memory to the system.

`configure_allocators` changes the process it runs in for good (environment, glibc's arena
limit), so it runs in `python -c` subprocesses with a controlled environment; only stand-in
libcs are used in this process."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from flows import memory

REPO = Path(__file__).resolve().parents[2]
GLIBC = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
needs_glibc = pytest.mark.skipif(
    not GLIBC, reason="mallopt, malloc_trim and malloc_stats are glibc's: elsewhere _libc() "
                      "is None and the malloc settings are skipped by design")


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def environment_without_defaults(**exported: str) -> dict[str, str]:
    """This process's environment minus every `_ENVIRONMENT` key, plus `exported`."""
    env = {k: v for k, v in os.environ.items() if k not in memory._ENVIRONMENT}
    return {**env, **exported}


def other_value(value: str) -> str:
    return str(int(value) + 1) if value.isdigit() else f"{value}-user"


SHOW_ENVIRONMENT = """
    import json, os, subprocess, sys
    from flows.memory import _ENVIRONMENT, configure_allocators
    before = {k: os.environ.get(k) for k in _ENVIRONMENT}
    configure_allocators()
    after = {k: os.environ.get(k) for k in _ENVIRONMENT}
    child = subprocess.run([sys.executable, "-c", "import json, os, sys; "
                            f"print(json.dumps({{k: os.environ.get(k) for k in {list(_ENVIRONMENT)}}}))"],
                           capture_output=True, text=True, check=True)
    print(json.dumps({"before": before, "after": after, "child": json.loads(child.stdout)}))
"""


def test_configure_allocators_sets_every_default_and_children_inherit_it():
    result = run_python(SHOW_ENVIRONMENT, environment_without_defaults())
    seen = json.loads(result.stdout)
    assert seen["before"] == dict.fromkeys(memory._ENVIRONMENT)
    assert seen["after"] == memory._ENVIRONMENT
    assert seen["child"] == memory._ENVIRONMENT  # worker processes inherit the defaults


def test_configure_allocators_keeps_what_the_user_exported():
    exported = {k: other_value(v) for k, v in memory._ENVIRONMENT.items()}
    result = run_python(SHOW_ENVIRONMENT, environment_without_defaults(**exported))
    seen = json.loads(result.stdout)
    assert seen["before"] == seen["after"] == seen["child"] == exported


COUNT_ARENAS = """
    import ctypes, sys, threading
    if sys.argv[1] == "configure":
        from flows.memory import configure_allocators
        configure_allocators()
    threads = 8
    barrier, held = threading.Barrier(threads), []
    def work():  # objects over 512 bytes come from malloc, in the thread's arena
        held.append([bytes(2000) for _ in range(100)])
        barrier.wait()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
"""


@needs_glibc
@pytest.mark.parametrize(("exported", "configure", "fewest", "most"), [
    ({}, "no", 3, 9),  # glibc's default: an arena per thread here (up to 8 per core)
    ({}, "configure", 1, 2),  # mallopt(M_ARENA_MAX, 2)
    ({"MALLOC_ARENA_MAX": "4"}, "configure", 3, 4),  # the user's limit, not overridden
], ids=["default", "configured", "user-exported"])
def test_configure_allocators_limits_glibc_arenas(exported, configure, fewest, most):
    env = environment_without_defaults(**exported)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(COUNT_ARENAS), configure],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    arenas = sum(line.startswith("Arena ") for line in result.stderr.splitlines())
    assert fewest <= arenas <= most, result.stderr


RELEASE = """
    import json
    from flows.memory import release_free_memory
    def rss():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    base = rss()
    # ~200 MB in 1 KiB objects: over pymalloc's 512 bytes, so from glibc's heap. Every 64th
    # is kept, as live objects do in a long run: the heap cannot just shrink from its top.
    objects = [bytes(1024) for _ in range(200_000)]
    allocated = rss()
    kept = objects[::64]
    del objects
    freed = rss()
    release_free_memory()
    print(json.dumps({"base": base, "allocated": allocated, "freed": freed,
                      "released": rss(), "kept": len(kept)}))
"""


@needs_glibc
def test_release_free_memory_returns_freed_chunks_to_the_system():
    result = run_python(RELEASE, environment_without_defaults())
    mb = {k: v / 2**20 for k, v in json.loads(result.stdout).items() if k != "kept"}
    assert mb["allocated"] - mb["base"] > 150, mb
    assert mb["freed"] - mb["base"] > 150, mb  # free() alone kept the chunks resident
    assert mb["freed"] - mb["released"] > 100, mb  # malloc_trim(0) gave them back


@needs_glibc
def test_libc_is_found_and_release_runs_in_this_process():
    libc = memory._libc()
    assert libc is not None
    assert hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")
    assert memory.release_free_memory() is None


class RecordingLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


@pytest.fixture
def no_defaults(monkeypatch):
    """In-process calls: every `_ENVIRONMENT` key unset, and put back afterwards."""
    for key in memory._ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)


@pytest.mark.usefixtures("no_defaults")
def test_libc_calls_with_a_stand_in_libc(monkeypatch):
    libc = RecordingLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    memory.configure_allocators()
    memory.release_free_memory()
    assert libc.calls == [("mallopt", -8, 2), ("malloc_trim", 0)]  # M_ARENA_MAX, glibc's value


@pytest.mark.usefixtures("no_defaults")
def test_an_exported_arena_limit_is_not_overridden_by_mallopt(monkeypatch):
    libc = RecordingLibc()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.configure_allocators()
    assert libc.calls == []  # glibc read the user's value at start-up
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


@pytest.mark.usefixtures("no_defaults")
def test_without_libc_both_are_no_ops_but_the_environment_is_set(monkeypatch):
    monkeypatch.setattr(memory, "_libc", lambda: None)
    assert memory.configure_allocators() is None
    assert memory.release_free_memory() is None
    assert {k: os.environ.get(k) for k in memory._ENVIRONMENT} == memory._ENVIRONMENT


@pytest.mark.parametrize("libc", [OSError("libc.so.6: cannot open shared object file"),
                                  types.SimpleNamespace(mallopt=print)],
                         ids=["no-libc.so.6", "no-malloc_trim"])
def test_libc_is_none_off_glibc(monkeypatch, libc):
    """macOS, musl: no libc.so.6, or one without glibc's malloc functions."""

    def cdll(name: str) -> object:
        if isinstance(libc, Exception):
            raise libc
        return libc

    memory._libc.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", cdll)
    try:
        assert memory._libc() is None
    finally:
        memory._libc.cache_clear()
