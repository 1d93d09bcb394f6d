from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.prefect_env import configure_prefect_environment

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = REPO / "sample_corpus"

configure_prefect_environment()


@pytest.fixture(scope="session")
def prefect_server():
    """One real Prefect server (Prefect's test harness) for every flow test of the session."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


@pytest.fixture
def subprocess_env(prefect_server, tmp_path):
    """Environment for `warta` subprocesses: they talk to the harness server."""
    env = dict(os.environ)
    env["PREFECT_API_URL"] = prefect_server
    env["PREFECT_HOME"] = str(tmp_path / "prefect_home")
    env.pop("WARTA_FAILPOINT", None)
    return env
