"""The OpenAPI schema matches the committed snapshot, so every change shows in review.

/api/v1/ changes additively only (docs/api.md). After an intentional, additive
change, rewrite the snapshot and commit it with the change:

    make openapi-snapshot

This test also names what a change removed, which would break integrators.
"""

import json
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def leaves(value, path: str = "") -> set[str]:
    """Every path to a leaf of the schema (a removed one breaks clients)."""
    if isinstance(value, dict):
        return {leaf for k, v in value.items() for leaf in leaves(v, f"{path}/{k}")}
    if isinstance(value, list):
        return {leaf for v in value for leaf in leaves(v, f"{path}[]")} or {path}
    return {f"{path}={value!r}"[:300]}


@pytest.mark.django_db
def test_the_openapi_schema_matches_its_snapshot(client):
    schema = client.get("/api/v1/openapi.json").json()
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    removed = sorted(leaves(committed) - leaves(schema))[:20]
    added = sorted(leaves(schema) - leaves(committed))[:20]
    assert schema == committed, (
        "The API schema changed. Within /api/v1/ only additive changes are allowed; "
        "if this one is intended and additive, run `make openapi-snapshot` and "
        f"commit tests/api/openapi.snapshot.json.\nRemoved: {removed}\nAdded: {added}"
    )
