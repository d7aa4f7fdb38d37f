"""Bearer-token authentication, and the JSON parser that explains what is wrong."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.parser import Parser
from ninja.security import HttpBearer

from api.models import ApiToken
from api.services import api_token_authenticate

_JSON_TYPES = ("application/json",)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token)
        if found is not None:
            _require_json(request)
        return found


def _require_json(request: HttpRequest) -> None:
    # Ninja has no per-API hook before it parses the body, and its parser turns
    # every error into "cannot parse"; authentication runs first, so check here.
    has_body = request.method in ("POST", "PUT", "PATCH") and request.META.get(
        "CONTENT_LENGTH"
    ) not in (None, "", "0")
    content_type = request.content_type or ""
    charset = (request.content_params or {}).get("charset", "utf-8")
    is_json = content_type in _JSON_TYPES or content_type.endswith("+json")
    if has_body and not (is_json and charset.lower().replace("_", "-") == "utf-8"):
        raise HttpError(
            415,
            _(
                "Send the body as UTF-8 JSON with Content-Type: application/json "
                "(got %(type)r)."
            )
            % {"type": request.META.get("CONTENT_TYPE", "")[:100]},
        )


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            # UTF-8 only: json.loads would also guess UTF-16 and UTF-32.
            return json.loads(request.body.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, UnicodeError) as error:
            # Ninja replaces the reason with "cannot parse"; keep it for the reply.
            request.json_error = str(error)[:200]  # type: ignore[attr-defined]
            raise


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
