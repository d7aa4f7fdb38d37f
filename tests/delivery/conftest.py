import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.delivery.channels import twilio_sms
from tests.fake_twilio import FakeTwilio

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
AUTH_TOKEN = "test-auth-token"
FROM_NUMBER = "+15005550006"
SITE_URL = "https://care.example.com"


@pytest.fixture(autouse=True)
def delivery_settings(settings):
    settings.SITE_URL = SITE_URL
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    return settings


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fake_twilio(settings):
    """The fake Twilio server, with the real client pointed at it."""
    server = FakeTwilio().start()
    settings.TWILIO_ACCOUNT_SID = server.account_sid
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = server.url
    settings.TWILIO_TIMEOUT = 0.3
    settings.SMS_BACKEND = "care.delivery.channels.twilio_sms.TwilioBackend"
    twilio_sms._clients.clear()
    yield server
    server.stop()
    twilio_sms._clients.clear()
