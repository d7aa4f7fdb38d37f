"""One error format for every failure: {"detail": "...", "errors": [{"field", "message"}]}.

Input at fault gets a 4xx naming the field; nothing the client sends may make
the API answer 500 (a fault of ours still does, logged, with a JSON body).
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from crm.validation import LOCALE_PATTERN, REQUIRED_TEXT_PATTERN, TEXT_PATTERN

logger = logging.getLogger(__name__)

# Where ninja puts the body and path in an error's location; not field names.
_LOCATION_ROOTS = ("body", "payload", "path", "query", "header")


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    detail: str,
    errors: Iterable[tuple[str, str]] = (),
) -> HttpResponse:
    items = [{"field": field, "message": message} for field, message in errors]
    response = api.create_response(
        request, {"detail": detail, "errors": items}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _field_name(loc: Iterable[Any]) -> str:
    parts = list(loc)
    while parts and parts[0] in _LOCATION_ROOTS:
        parts.pop(0)
    return ".".join(str(p) for p in parts) or "body"


def _summary(errors: list[tuple[str, str]]) -> str:
    named = ", ".join(dict.fromkeys(field for field, _m in errors))
    return _("Invalid input: %(fields)s.") % {"fields": named}


def _pattern_messages() -> dict[str, str]:
    return {
        TEXT_PATTERN: _("Control characters are not allowed."),
        REQUIRED_TEXT_PATTERN: _(
            "This field is required (and control characters are not allowed)."
        ),
        LOCALE_PATTERN: _("Unsupported language: use zh-hans or en."),
    }


def _message(error: dict[str, Any]) -> str:
    """Pydantic's message, in the words the services use where they differ."""
    kind = error.get("type")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern")
        return _pattern_messages().get(pattern, str(error.get("msg", "")))
    message = str(error.get("msg", ""))
    return message.removeprefix("Value error, ")


def on_schema_error(
    request: HttpRequest, exc: NinjaValidationError, api: NinjaAPI
) -> HttpResponse:
    errors = []
    for error in exc.errors:
        field = _field_name(error.get("loc", ()))
        message = _message(error)
        if field == "body" and error.get("type") == "missing":
            message = _("A JSON body is required.")
        errors.append((field, message))
    return error_response(api, request, 422, _summary(errors), errors)


def on_service_error(
    request: HttpRequest, exc: ValidationError, api: NinjaAPI
) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [(f, m) for f, messages in exc.message_dict.items() for m in messages]
    else:
        errors = [("body", m) for m in exc.messages]
    return error_response(api, request, 422, _summary(errors), errors)


def on_http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        detail = _("Missing or invalid API token: send Authorization: Bearer <token>.")
        return error_response(api, request, 401, detail, [("Authorization", detail)])
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        reason = getattr(request, "json_error", "")
        detail = _("Malformed JSON body: %(reason)s") % {
            "reason": reason or _("not valid JSON")
        }
        return error_response(api, request, 400, detail, [("body", detail)])
    field = {415: "Content-Type", 413: _batch_field(request)}.get(
        exc.status_code, "body"
    )
    return error_response(api, request, exc.status_code, str(exc), [(field, str(exc))])


def _batch_field(request: HttpRequest) -> str:
    return "events" if request.path.endswith("/events") else "items"


def on_not_found(request: HttpRequest, exc: Http404, api: NinjaAPI) -> HttpResponse:
    detail = str(exc) or _("Not found.")
    return error_response(api, request, 404, detail, [("external_id", detail)])


def on_any_error(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    """The last resort: the input's fault is a 4xx, a database in trouble a 503."""
    if isinstance(exc, RequestDataTooBig):
        detail = _("The request body is too large.")
        return error_response(api, request, 413, detail, [("body", detail)])
    if isinstance(exc, SuspiciousOperation | UnicodeError):
        detail = _("The request could not be read.")
        return error_response(api, request, 400, detail, [("body", detail)])
    if isinstance(exc, IntegrityError):
        logger.warning("API write conflict on %s: %s", request.path, exc)
        detail = _("A concurrent write conflicted: retry the request.")
        return error_response(api, request, 409, detail, [("body", detail)])
    if isinstance(exc, ValueError) and "NUL" in str(exc):
        # PostgreSQL cannot hold a NUL byte; the fields that may carry one are
        # checked before they reach it, so this names the whole body.
        detail = _("A NUL character is not allowed.")
        return error_response(api, request, 422, detail, [("body", detail)])
    if isinstance(exc, DataError):
        logger.warning("API value refused by the database on %s: %s", request.path, exc)
        detail = _("A value is out of range for its field.")
        return error_response(api, request, 422, detail, [("body", detail)])
    if isinstance(exc, OperationalError):
        logger.exception("Database unavailable during %s", request.path)
        detail = _("The database is busy: retry shortly.")
        return error_response(api, request, 503, detail, [("body", detail)])
    logger.exception("Unexpected API error on %s %s", request.method, request.path)
    detail = _("Internal error; it has been logged.")
    return error_response(api, request, 500, detail, [("body", detail)])


def install(api: NinjaAPI) -> None:
    handlers = {
        NinjaValidationError: on_schema_error,
        ValidationError: on_service_error,
        HttpError: on_http_error,
        Http404: on_not_found,
        Exception: on_any_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, lambda r, e, h=handler: h(r, e, api))
