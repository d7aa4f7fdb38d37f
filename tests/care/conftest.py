import pytest

from care.channels import sms


@pytest.fixture(autouse=True)
def locmem_channels(settings):
    """SMS into care.channels.sms.outbox (email: pytest-django's locmem outbox)."""
    settings.SMS_BACKEND = "care.channels.sms.LocmemBackend"
    settings.CARE_QUIET_HOURS = "21:00-08:00"
    settings.TIME_ZONE = "Asia/Shanghai"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


# The lead's care/admin.py imports this module; import it here so the admin
# tests run on a branch without it.
import care.admin_outreach  # noqa: F401
