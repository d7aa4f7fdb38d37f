import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from care.channels import sms

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in Shanghai, outside quiet hours.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def channels(settings):
    settings.SMS_BACKEND = "care.channels.sms.LocmemBackend"
    settings.CARE_QUIET_HOURS = "21:00-08:00"
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.SITE_URL = "http://testserver"
    # The delivery branch's per-sender SMS rate limit (a cache counter that
    # frozen time would never refill): off here, tests/delivery covers it.
    settings.SMS_RATE_PER_SECOND = 0
    cache.clear()
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def playbooks(db):
    call_command("install_playbooks", "--activate", verbosity=0)
