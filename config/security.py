"""Refuse to serve with a SECRET_KEY anyone can read.

The development key is in the repository: with it, anyone could forge survey
and unsubscribe links. With DEBUG off the web server does not start on it (or
on no key at all); the reason is one line naming what to set. Checked where
the server loads the application (config/wsgi.py, which `runserver` loads
too), not at settings import: management commands, tests and benchmarks keep
working, and the system check care.W001 still warns them.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_PREFIX = "django-insecure"


def secret_key_problem(*, debug: bool, key: str) -> str:
    """Why the server must not start with this key, or "" when it may.

    A key that is merely short starts, with the warning care.W001 (and
    Django's security.W009 under `check --deploy`).
    """
    if debug:
        return ""
    if not key or key.startswith(DEVELOPMENT_PREFIX):
        return (
            "SECRET_KEY is not set while DEBUG is off: set SECRET_KEY to a long "
            "random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'), or DEBUG=1 for local development only."
        )
    return ""


def refuse_insecure_start() -> None:
    """Raise ImproperlyConfigured (one line) when the server must not start."""
    problem = secret_key_problem(debug=settings.DEBUG, key=settings.SECRET_KEY)
    if problem:
        raise ImproperlyConfigured(problem)
