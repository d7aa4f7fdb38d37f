"""Pluggable channels, chosen by dotted path in settings like Django's email backends.

SMS_BACKEND paths from before care's packages (issue 9) still work through
OLD_PATHS; the system check care.W104 names the path to use instead.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from care.delivery.channels.base import ChannelBackend, ChannelError

log = logging.getLogger(__name__)

EMAIL_BACKEND = "care.delivery.channels.email.EmailBackend"
# Old dotted path -> where the backend lives now.
OLD_PATHS = {
    "care.channels.sms.ConsoleBackend": "care.delivery.channels.sms.ConsoleBackend",
    "care.channels.sms.LocmemBackend": "care.delivery.channels.sms.LocmemBackend",
    "care.channels.sms.TwilioBackend": (
        "care.delivery.channels.twilio_sms.TwilioBackend"
    ),
    "care.channels.twilio_sms.TwilioBackend": (
        "care.delivery.channels.twilio_sms.TwilioBackend"
    ),
}


def backend_path(path: str) -> str:
    """The current dotted path of a backend named by an old one (or the path as given)."""
    return OLD_PATHS.get(path, path)


def get_backend(channel: str) -> ChannelBackend:
    if channel == "sms":
        return import_string(backend_path(settings.SMS_BACKEND))()
    if channel == "email":
        return import_string(EMAIL_BACKEND)()
    raise ValueError(f"unknown channel {channel!r}")


def backends_warm() -> None:
    """Do now what the first send of each channel would do on its way out.

    The send pool's first job (care.delivery.sendpool), run while the
    dispatcher claims and prepares: a provider client's lazily imported
    modules and the URL map cost the first request half a second otherwise.
    Never raises: a backend that cannot warm up fails its first send instead.
    """
    for channel in ("sms", "email"):
        try:
            get_backend(channel).warm()
        except Exception:
            log.debug("warming the %s backend failed", channel, exc_info=True)


__all__ = [
    "OLD_PATHS",
    "ChannelBackend",
    "ChannelError",
    "backend_path",
    "backends_warm",
    "get_backend",
]
