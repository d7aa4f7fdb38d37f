"""`make run` (scripts/run.sh) stops within 10 s on SIGTERM or SIGINT and leaves no process behind.

A real run: migrate and demo data on a temporary SQLite database, then the
web server (on a free port), the django-q2 cluster and a dispatch loop.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            found.setdefault(parent, []).append(int(entry.name))
    return found


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its command line."""
    tree, found, todo = children_of(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes()
            except OSError:
                continue
            found[child] = cmdline.replace(b"\0", b" ").decode()
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1]
    except OSError:
        return False
    return state.split()[0] != "Z"


def serving(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=2)
    except (urllib.error.URLError, OSError):
        return False
    return True


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    """One data directory for both runs: the second finds the demo loaded, as a
    second `make run` does, and starts sooner."""
    return tmp_path_factory.mktemp("run")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def run_script(var_dir):
    port = free_port()
    env = {
        **os.environ,
        "CARE_VAR_DIR": str(var_dir),
        "EMAIL_FILE_PATH": str(var_dir / "sent-mail"),
        "PORT": str(port),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "SITE_URL"):
        env.pop(name, None)  # the README's set-up: SQLite, no Redis
    with open(var_dir / "run.log", "a") as out:
        process = subprocess.Popen(
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # As from a terminal: a shell started with SIGINT ignored (a test run
            # in a background job) could not trap it, and Ctrl-C would do nothing.
            preexec_fn=_default_sigint,
        )
    family: dict[int, str] = {}
    try:
        yield process, port, family
    finally:
        for pid in [*family, process.pid]:  # only what this test started
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_make_run_stops_within_ten_seconds_leaving_nothing_behind(run_script, signum):
    process, port, family = run_script
    _wait_until_served(process, port, family)
    asked = time.monotonic()
    process.send_signal(signum)
    process.wait(timeout=10)
    assert time.monotonic() - asked < 10
    assert {pid: cmd for pid, cmd in family.items() if alive(pid)} == {}


def _wait_until_served(process, port: int, family: dict[int, str]) -> None:
    deadline = time.monotonic() + 180
    while not (serving(port) and _running(process.pid, family)):
        assert process.poll() is None, "scripts/run.sh exited before it served"
        assert time.monotonic() < deadline, "scripts/run.sh did not start in time"
        time.sleep(0.5)


def _running(pid: int, family: dict[int, str]) -> bool:
    """The web server, the cluster (with its workers) and the dispatch loop are up."""
    family.update(descendants(pid))
    commands = " | ".join(family.values())
    return (
        all(name in commands for name in ("runserver", "qcluster", "dispatch --loop"))
        and sum("qcluster" in cmd for cmd in family.values()) > 1
    )


def test_make_run_points_site_url_at_its_own_port(run_script):
    """Links in messages (and Twilio's signature check) name the port served on."""
    process, port, family = run_script
    _wait_until_served(process, port, family)
    [server] = [pid for pid, cmd in family.items() if "runserver" in cmd]
    environ = (Path("/proc") / str(server) / "environ").read_bytes().split(b"\0")
    assert f"SITE_URL=http://127.0.0.1:{port}".encode() in environ
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
