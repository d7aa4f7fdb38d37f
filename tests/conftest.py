import os

import pytest


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


@pytest.fixture
def postgres_only(db):
    """Skip unless the suite runs on PostgreSQL (set DATABASE_URL=postgres://...)."""
    if _database_vendor() != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    return url
