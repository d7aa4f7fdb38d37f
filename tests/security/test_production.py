"""Production: a readable key stops the server; check --deploy passes as documented."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.security import secret_key_problem

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "operations.md"
DEVELOPMENT_KEY = "django-insecure-local-development-only"


def documented_environment() -> dict[str, str]:
    """The `export NAME=value` lines of the production-security block of the docs."""
    block = re.search(r"```sh\n# production-security\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/operations.md lost its production-security block"
    found = {}
    for line in block.group(1).splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        if value.startswith('"$('):  # the generated key
            value = secrets.token_urlsafe(50)
        found[name] = value
    return found


def run(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SITE_URL"}
        and not k.startswith("SECURE_")
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "CARE_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("key", ["", DEVELOPMENT_KEY])
def test_it_names_what_to_set_when_the_key_is_missing_or_the_development_one(key):
    problem = secret_key_problem(debug=False, key=key)
    assert "SECRET_KEY" in problem and "\n" not in problem


def test_it_lets_debugging_and_a_real_key_through():
    assert secret_key_problem(debug=True, key="") == ""
    assert secret_key_problem(debug=False, key=secrets.token_urlsafe(50)) == ""


def test_the_web_application_refuses_to_load_without_a_key(tmp_path):
    done = run(["-c", "import config.wsgi"], {"DEBUG": "0"}, tmp_path)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode != 0
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY")


def test_the_web_application_loads_with_a_real_key(tmp_path):
    key = {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}
    assert run(["-c", "import config.wsgi"], key, tmp_path).returncode == 0


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path):
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        documented_environment(),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_https_turns_the_secure_flags_on_by_default(tmp_path):
    script = (
        "from django.conf import settings as s; import django; django.setup(); "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "SITE_URL": "https://x.example"}
    https = run(["-c", script], env, tmp_path).stdout.split()
    assert https == ["True", "31536000", "True", "True", "None"]
    env |= {"SECURE_HSTS_SECONDS": "60", "SECURE_PROXY_SSL_HEADER": "HTTP_X_P,https"}
    env["SESSION_COOKIE_SECURE"] = "0"
    tuned = run(["-c", script], env, tmp_path).stdout.strip()
    assert tuned == "True 60 False True ('HTTP_X_P', 'https')"
    plain = run(["-c", script], {"DJANGO_SETTINGS_MODULE": "config.settings"}, tmp_path)
    assert plain.stdout.split() == ["False", "0", "False", "False", "None"]


def test_a_malformed_proxy_header_setting_is_refused_with_its_name(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "SECURE_PROXY_SSL_HEADER": "x"}
    done = run(["-c", "import django; django.setup()"], env, tmp_path)
    assert done.returncode != 0 and "SECURE_PROXY_SSL_HEADER" in done.stderr
