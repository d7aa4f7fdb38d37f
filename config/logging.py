"""Log formatting: one line per record, JSON when LOG_FORMAT=json, and never a contact detail.

Structured fields travel as the standard library's `extra` (event, message_id,
campaign_id, channel, reason...): the JSON formatter (python-json-logger)
writes them as keys, the text formatter as `key=value` after the message.

Both formatters pass their finished line through `redact`: an exception's
text can quote a phone number (Twilio's "The 'To' number +86... is not a valid
phone number") or an email address, and nothing the project logs needs one.
Message bodies are never logged at all (tests/operations/test_logs.py checks
a whole plan, dispatch and webhook run).
"""

import logging
import re

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# E.164 (+ and 7-15 digits, maybe spaced or dashed) and bare mainland mobiles.
PHONE = re.compile(r"\+\d(?:[ -]?\d){6,14}|(?<![\w.:-])1[3-9]\d{9}(?![\w.:-])")
# Extras Django adds to its own records that are objects, not fields.
NOT_FIELDS = {"request", "color_message"}


def redact(text: str) -> str:
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The record's `extra` fields (what the standard attributes are not)."""
    reserved = set(RESERVED_ATTRS) | NOT_FIELDS | {"message", "asctime"}
    return {k: v for k, v in record.__dict__.items() if k not in reserved}


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`, redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(
            f"{key}={value}"
            for key, value in extra_fields(record).items()
            if isinstance(value, (str, int, float, bool)) or value is None
        )
        if fields:
            head, newline, rest = line.partition("\n")
            line = f"{head} {fields}{newline}{rest}"
        return redact(line)


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message and the extras, redacted."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, *NOT_FIELDS],
            json_ensure_ascii=False,
        )

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: one console handler, text or JSON."""
    if log_format not in ("text", "json"):
        raise ImproperlyConfigured(
            f"LOG_FORMAT must be text or json, got {log_format!r}"
        )
    formatter = log_format
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"()": TextFormatter},
            "json": {"()": JsonLineFormatter},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formatter}
        },
        "root": {"handlers": ["console"], "level": level},
        # The twilio client logs every request's headers (and the form it
        # posts: a customer's number and the text) at INFO and DEBUG.
        "loggers": {"twilio.http_client": {"level": "WARNING"}},
    }
