import importlib
import os

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import cache

from care.delivery.channels import sms
from care.delivery.throughput import local_buckets_clear


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


@pytest.fixture(autouse=True)
def fresh_category_names():
    """Category names are kept a minute per process (crm.categories): not across tests."""
    from crm.categories import category_names_forget

    category_names_forget()


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Every test: SMS into care.delivery.channels.sms.outbox (email: Django's locmem outbox).

    Quiet hours and the zone are pinned, and the per-sender rate limit is off (a
    cache counter that frozen time would never refill; tests/delivery covers it).
    """
    settings.SMS_BACKEND = "care.delivery.channels.sms.LocmemBackend"
    settings.CARE_QUIET_HOURS = "21:00-08:00"
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.SMS_RATE_PER_SECOND = 0
    cache.clear()
    local_buckets_clear()
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def roles(db, settings):
    """The role groups as migration care 0010 leaves them.

    Synced again because a transactional test elsewhere empties the tables.
    A fast password hasher: the login is real, its cost is not the point.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    migration = importlib.import_module("care.migrations.0010_roles")
    granted = Group.objects.filter(name__in=migration.ROLES, permissions__isnull=False)
    if granted.distinct().count() < len(migration.ROLES):
        migration.roles_sync(apps)
