"""The integrators' HTTP API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from typing import Any

from ninja import NinjaAPI

from api import errors
from api.auth import BearerToken, JsonParser
from api.openapi import add_links
from api.routes import router


class Api(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        add_links(schema)
        return schema


api = Api(
    title="Proactive Care API",
    version="1",
    description="Push customers, consent, products, orders, events, assets and tickets. "
    "Every upsert is idempotent by its external id. Within /api/v1/ changes are "
    "additive only. See docs/api.md.",
    auth=BearerToken(),
    parser=JsonParser(),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("/", router)
