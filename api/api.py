"""The integrators' HTTP API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from ninja import NinjaAPI

from api import errors
from api.auth import BearerToken, JsonParser
from api.routes import router

api = NinjaAPI(
    title="Proactive Care API",
    version="1",
    description="Push customers, consent, products, orders, events, assets and tickets. "
    "Every upsert is idempotent by its external id. See docs/api.md.",
    auth=BearerToken(),
    parser=JsonParser(),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("/", router)
