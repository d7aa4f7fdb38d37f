"""The production set-up of docs/deploy.md works: gunicorn serves the app and, through
WhiteNoise, the collected static files, and stops promptly on SIGTERM."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.test_run_script import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def fetch(url: str) -> tuple[int, dict]:
    """Status and headers; 0 while nothing listens yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except (urllib.error.URLError, OSError):
        return 0, {}


def test_gunicorn_serves_the_app_and_its_static_files(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "deploy-test-" + "k" * 50,
        "CARE_VAR_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        manage + ["collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while (status := fetch(f"{base}/admin/login/")[0]) != 200:
            assert server.poll() is None and time.monotonic() < deadline, status
            time.sleep(0.3)
        status, headers = fetch(f"{base}/static/admin/css/base.css")
        assert status == 200 and "max-age" in headers.get("Cache-Control", "")
        asked = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
        assert time.monotonic() - asked < 10
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
