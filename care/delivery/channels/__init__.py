"""Pluggable channels, chosen by dotted path in settings like Django's email backends."""

from django.conf import settings
from django.utils.module_loading import import_string

from care.delivery.channels.base import ChannelBackend, ChannelError


def get_backend(channel: str) -> ChannelBackend:
    if channel == "sms":
        return import_string(settings.SMS_BACKEND)()
    if channel == "email":
        return import_string("care.delivery.channels.email.EmailBackend")()
    raise ValueError(f"unknown channel {channel!r}")


__all__ = ["ChannelBackend", "ChannelError", "get_backend"]
