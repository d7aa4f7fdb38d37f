import json
from typing import Any

import pytest
from django.test import Client

from api.services import api_token_create


class ApiClient:
    """The test client with a bearer token and JSON bodies."""

    def __init__(self, token: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def put(self, path: str, body: Any):
        return self.client.put(
            f"/api/v1{path}", json.dumps(body), content_type="application/json"
        )

    def post(self, path: str, body: Any):
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json"
        )

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}")


@pytest.fixture
def api(db) -> ApiClient:
    _token, raw = api_token_create(name="shop")
    return ApiClient(raw)
