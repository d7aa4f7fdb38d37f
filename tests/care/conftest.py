import pytest

from care.channels import sms


@pytest.fixture(autouse=True)
def locmem_channels(settings):
    """SMS into care.channels.sms.outbox (email: pytest-django's locmem outbox)."""
    settings.SMS_BACKEND = "care.channels.sms.LocmemBackend"
    settings.CARE_QUIET_HOURS = "21:00-08:00"
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.SMS_RATE_PER_SECOND = 0  # tests/delivery covers the rate limit
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
