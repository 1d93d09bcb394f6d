"""`flows.prefect_env`: the temporary Prefect server's error paths and the helpers around it.

The server command is replaced by tiny `python -c` programs (exit with a code, sleep, answer
/api/health) so the real Popen / poll / health-check / terminate code runs in ~0.1 s per
process instead of a real Prefect server's 20-30 s; the real uvicorn command line is checked
against the installed uvicorn with a trivial app. A real server is started end to end by
tests/flows/test_runners.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import psutil
import pytest

from flows import prefect_env
from flows.prefect_env import TemporaryServer

REPO = Path(__file__).resolve().parents[2]

EXIT_WITH = textwrap.dedent("""
    import os, sys
    print(f"fake-server pid={os.getpid()} port={sys.argv[1]}: {sys.argv[3]}", file=sys.stderr)
    sys.exit(int(sys.argv[2]))
""")
SLEEP = "import time; time.sleep(120)"
IGNORE_SIGTERM = textwrap.dedent("""
    import pathlib, signal, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pathlib.Path(sys.argv[2]).touch()
    time.sleep(120)
""")
HEALTH_SERVER = textwrap.dedent("""
    import http.server, sys
    status = int(sys.argv[2])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status if self.path == "/api/health" else 404)
            self.end_headers()
            self.wfile.write(b"true")
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
""")


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """A fresh `_STARTED` list and a recording `atexit`; every server still running at the
    end of a test is stopped, so a failing test leaves no process behind either."""
    started: list[TemporaryServer] = []
    registered: list[object] = []
    monkeypatch.setattr(prefect_env, "_STARTED", started)
    monkeypatch.setattr(prefect_env, "atexit", types.SimpleNamespace(register=registered.append))
    yield types.SimpleNamespace(started=started, registered=registered)
    for server in started:
        server.stop()


def fake_command(monkeypatch, *programs: tuple[str, ...]) -> list[int]:
    """Serve `programs` (a `python -c` source and its arguments after the port) in turn, the
    last one for every later start; the ports the server was started on."""
    ports: list[int] = []

    def command(port: int) -> list[str]:
        source, *args = programs[min(len(ports), len(programs) - 1)]
        ports.append(port)
        return [sys.executable, "-c", source, str(port), *args]

    monkeypatch.setattr(prefect_env, "_server_command", command)
    return ports


def gone(process: subprocess.Popen[bytes]) -> bool:
    """Exited and reaped: no zombie, no orphan."""
    return process.returncode is not None and not psutil.pid_exists(process.pid)


def pids_in(err: str) -> list[int]:
    return [int(word.split("=")[1]) for word in err.split() if word.startswith("pid=")]


@pytest.fixture
def no_api():
    """No Prefect API configured (whatever the session's harness set); PREFECT_API_URL in the
    environment and Prefect's global settings put back afterwards."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.pop("PREFECT_API_URL", None)
    try:
        with temporary_settings(restore_defaults={PREFECT_API_URL}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
        refresh_global_settings_context()


# --- start / wait / stop ---------------------------------------------------------------


def test_wait_returns_the_api_url_once_health_answers_200(monkeypatch, isolated):
    ports = fake_command(monkeypatch, (HEALTH_SERVER, "200"))
    server = TemporaryServer()
    url = server.wait(timeout=10)  # starts the server itself
    process = server.process
    assert url == f"http://127.0.0.1:{ports[0]}/api" == server.api_url
    assert process is not None and process.poll() is None
    assert isolated.started == [server]
    assert isolated.registered == [server.stop]  # stopped at exit even if the run fails early
    server.stop()
    assert gone(process)


def test_start_is_idempotent(monkeypatch, isolated):
    ports = fake_command(monkeypatch, (SLEEP,))
    server = TemporaryServer()
    assert server.start() is server
    process = server.process
    assert server.start().process is process
    assert len(ports) == 1 and server.port == ports[0]
    assert isolated.started == [server] and len(isolated.registered) == 1
    server.stop()
    assert gone(process)


def test_address_in_use_is_retried_three_times_then_raised(monkeypatch, capfd, isolated):
    """uvicorn's exit code 3: a new port each time, at most three retries, then the error;
    the servers' own output reaches this process's stderr (the message points to it)."""
    ports = fake_command(monkeypatch, (EXIT_WITH, "3", "address already in use"))
    server = TemporaryServer()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"exited with code 3 \(its error is printed above\)"):
        server.wait(timeout=30)
    assert time.monotonic() - started < 10  # raised after the retries, not at the timeout
    assert len(ports) == 4  # the first start and three retries
    assert server.process is None
    assert isolated.started == [server] and len(isolated.registered) == 1  # one server
    err = capfd.readouterr().err
    assert err.count("address already in use") == 4
    assert all(f"port={port}:" in err for port in ports)
    assert [p for p in pids_in(err) if psutil.pid_exists(p)] == []


def test_address_in_use_then_a_healthy_server(monkeypatch):
    ports = fake_command(monkeypatch, (EXIT_WITH, "3", "address already in use"),
                         (HEALTH_SERVER, "200"))
    server = TemporaryServer()
    assert server.wait(timeout=10) == f"http://127.0.0.1:{ports[1]}/api"
    assert len(ports) == 2 and server.port == ports[1]
    process = server.process
    server.stop()
    assert gone(process)


def test_any_other_early_exit_is_raised_at_once(monkeypatch, capfd):
    ports = fake_command(monkeypatch, (EXIT_WITH, "1", "no module named uvicorn"))
    server = TemporaryServer()
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"temporary Prefect server exited with code 1"):
        server.wait(timeout=30)
    assert time.monotonic() - started < 5
    assert len(ports) == 1  # not retried
    assert server.process is None
    err = capfd.readouterr().err
    assert "no module named uvicorn" in err
    assert not psutil.pid_exists(pids_in(err)[0])


@pytest.mark.parametrize("program", [(SLEEP,), (HEALTH_SERVER, "503")],
                         ids=["never-listens", "answers-503"])
def test_a_server_never_healthy_is_stopped_at_the_timeout(monkeypatch, program):
    fake_command(monkeypatch, program)
    server = TemporaryServer().start()
    process = server.process
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"did not answer within 1 s"):
        server.wait(timeout=1.0)
    assert 1.0 <= time.monotonic() - started < 5
    assert server.process is None
    assert gone(process) and process.returncode == -signal.SIGTERM


def test_stop_is_idempotent_and_stops_the_process(monkeypatch):
    fake_command(monkeypatch, (SLEEP,))
    TemporaryServer().stop()  # never started: nothing to do
    server = TemporaryServer().start()
    process = server.process
    assert process.poll() is None
    server.stop()
    assert server.process is None and gone(process)
    server.stop()  # again: no error, nothing to stop
    assert server.process is None


def test_stop_kills_a_server_that_ignores_sigterm(monkeypatch, tmp_path):
    ready = tmp_path / "ready"
    fake_command(monkeypatch, (IGNORE_SIGTERM, str(ready)))
    server = TemporaryServer().start()
    process = server.process
    deadline = time.monotonic() + 5
    while not ready.exists():  # SIGTERM is ignored from here on
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    started = time.monotonic()
    server.stop()
    assert 5 <= time.monotonic() - started < 8  # five seconds' grace, then SIGKILL
    assert process.returncode == -signal.SIGKILL and gone(process)
    assert server.process is None


def test_stop_temporary_servers_stops_every_started_server(monkeypatch, isolated):
    fake_command(monkeypatch, (SLEEP,))
    servers = [TemporaryServer().start() for _ in range(3)]
    servers[1].stop()  # one already stopped: skipped without error
    processes = [s.process for s in servers]
    assert isolated.started == servers
    prefect_env.stop_temporary_servers()
    assert all(s.process is None for s in servers)
    assert all(gone(p) for p in processes if p is not None)
    prefect_env.stop_temporary_servers()  # idempotent (a signal after the normal stop)


# --- the real command and environment --------------------------------------------------------


def test_server_command_exits_with_3_when_its_port_is_taken(tmp_path):
    """The retry rests on uvicorn's exit code for a port in use: check it with the real
    command line (Prefect's app swapped for a trivial one, same flags) and installed uvicorn."""
    (tmp_path / "tinyapp.py").write_text(textwrap.dedent("""
        def create_app():
            async def app(scope, receive, send):
                if scope["type"] == "lifespan":
                    await receive()
                    await send({"type": "lifespan.startup.complete"})
            return app
    """))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = prefect_env._server_command(port)
        app_dir = Path(command[command.index("--app-dir") + 1])
        assert (app_dir / "prefect" / "server" / "api" / "server.py").is_file()
        assert command[command.index("--factory") + 1] == "prefect.server.api.server:create_app"
        assert command[command.index("--port") + 1] == str(port)
        command[command.index("--app-dir") + 1] = str(tmp_path)
        command[command.index("--factory") + 1] = "tinyapp:create_app"
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    assert result.returncode == prefect_env._UVICORN_STARTUP_FAILURE == 3, result.stderr
    assert "address already in use" in result.stderr


def test_server_env_drops_the_api_url_and_marks_the_server_ephemeral(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("WARTA_PROBE", "kept")
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        env = prefect_env._server_env()
    assert "PREFECT_API_URL" not in env  # a server does not talk to another server
    assert env["WARTA_PROBE"] == "kept"
    assert env["PREFECT__SERVER_EPHEMERAL"] == "1" and env["PREFECT_UI_ENABLED"] == "0"


# --- needs_temporary_server / temporary_server -----------------------------------------------


def test_needs_temporary_server_follows_the_settings():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert prefect_env.needs_temporary_server() is True
        assert prefect_env.needs_temporary_server("") is True
        assert prefect_env.needs_temporary_server("tcp://10.0.0.5:8786") is False
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        assert prefect_env.needs_temporary_server() is False
        assert prefect_env.needs_temporary_server("tcp://10.0.0.5:8786") is False


def test_needs_temporary_server_reads_an_exported_api_url(tmp_path):
    """As the CLI sees it: PREFECT_API_URL exported before Prefect is imported."""
    code = textwrap.dedent("""
        import json, os
        from flows.prefect_env import needs_temporary_server as needs
        from prefect.context import refresh_global_settings_context
        answers = [needs(), needs("tcp://10.0.0.5:8786")]
        os.environ["PREFECT_API_URL"] = "http://127.0.0.1:9/api"
        refresh_global_settings_context()
        print(json.dumps(answers + [needs(), needs("tcp://10.0.0.5:8786")]))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")  # no profile with an API URL
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == [True, False, False, False]


@pytest.mark.parametrize("previous", [None, "http://127.0.0.1:9/api"])
def test_temporary_server_sets_the_api_url_then_restores_the_environment(
        monkeypatch, no_api, previous):
    from prefect.settings import get_current_settings

    if previous is not None:  # exported, but not what the settings say: still put back
        os.environ["PREFECT_API_URL"] = previous
    fake_command(monkeypatch, (HEALTH_SERVER, "200"))
    server = TemporaryServer()
    with prefect_env.temporary_server(server):
        process = server.process
        assert process is not None and process.poll() is None
        assert os.environ["PREFECT_API_URL"] == server.api_url
        assert get_current_settings().api.url == server.api_url
    assert os.environ.get("PREFECT_API_URL") == previous
    assert get_current_settings().api.url is None
    assert server.process is None and gone(process)


def test_temporary_server_stops_the_server_when_the_body_fails(monkeypatch, no_api):
    fake_command(monkeypatch, (HEALTH_SERVER, "200"))
    server = TemporaryServer().start()  # started early, as the CLI does
    process = server.process
    with pytest.raises(KeyError, match="batch failed"), prefect_env.temporary_server(server):
        raise KeyError("batch failed")
    assert "PREFECT_API_URL" not in os.environ
    assert gone(process)


def test_temporary_server_raises_when_the_server_cannot_start(monkeypatch, no_api, capfd):
    fake_command(monkeypatch, (EXIT_WITH, "1", "database is locked"))
    body_ran = False
    with pytest.raises(RuntimeError, match="exited with code 1"), prefect_env.temporary_server():
        body_ran = True
    assert not body_ran
    assert "PREFECT_API_URL" not in os.environ
    assert "database is locked" in capfd.readouterr().err


@pytest.mark.parametrize("configured", ["api-url", "dask-address"])
def test_temporary_server_not_needed_stops_the_early_server(monkeypatch, isolated, configured):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    ports = fake_command(monkeypatch, (SLEEP,))
    server = TemporaryServer().start()
    process = server.process
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    if configured == "api-url":
        settings = temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"})
        dask_address = None
    else:
        settings = temporary_settings(restore_defaults={PREFECT_API_URL})
        dask_address = "tcp://10.0.0.5:8786"
    with settings, prefect_env.temporary_server(server, dask_address=dask_address):
        assert gone(process)  # stopped before the body: its workers could not reach it
        assert "PREFECT_API_URL" not in os.environ
    assert len(ports) == 1 and isolated.started == [server]  # no other server started
