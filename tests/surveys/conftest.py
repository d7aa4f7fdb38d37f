import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning in Shanghai, outside quiet hours.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def site_url(settings):
    """Survey links point at the test client's host, so tests can follow them."""
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def playbooks(db):
    call_command("install_playbooks", "--activate", verbosity=0)
