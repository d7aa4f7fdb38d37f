"""schemathesis hooks for tests/api/test_schemathesis.py: the rules no schema states.

A JSON Schema describes the shape of a request; some rules depend on the
server's data or clock: a referenced customer or product must exist, a phone
number or email must be real, a time must not be in the future, a new record
needs its required fields, a ticket is resolved after it was opened. Before
each call these hooks put known-good values in exactly those places (only
where a well-formed string or nothing was generated). schemathesis then
re-checks the case against the schema, so a request that breaks the schema
stays a negative case and must still be refused.
"""

from typing import Any

import schemathesis

CUSTOMER, PRODUCT = "ST-C1", "ST-K1"  # created by the test before the run
PAST = "2026-01-02T03:04:05+08:00"
OPENED = "2026-01-01T00:00:00+08:00"
SET = {
    "customer": CUSTOMER,
    "product": PRODUCT,
    "sku": PRODUCT,
    "phone": "+8613812345678",
    "email": "li.lei@example.com",
    "birthday": "1990-05-17",
    "recorded_at": PAST,
    "placed_at": PAST,
    "occurred_at": PAST,
    "launched_at": PAST,
    "resolved_at": PAST,
    "opened_at": OPENED,
    "last_serviced_at": "2026-01-02",
}
# Fields a new record needs, by resource (the path's first segment).
REQUIRED = {
    "products": {"name": "Kettle"},
    "orders": {"customer": CUSTOMER, "placed_at": PAST, "total": "10.00"},
    "assets": {
        "customer": CUSTOMER,
        "kind": "vehicle",
        "name": "Car",
        "service_interval_days": 180,
    },
    "tickets": {"customer": CUSTOMER, "subject": "Help", "opened_at": OPENED},
}


def _fix(item: Any, required: dict[str, Any]) -> None:
    if not isinstance(item, dict):
        return
    for name, value in required.items():
        item.setdefault(name, value)
    for name, value in list(item.items()):
        if name in SET and isinstance(value, str):
            item[name] = SET[name]
        elif name in ("consents", "items", "events") and isinstance(value, list):
            for inner in value:
                _fix(inner, {})


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    steps = [s for s in case.operation.path.split("/") if s and s[0] != "{"]
    resource = steps[-2] if steps[-1] == "batch" else steps[-1]
    required = REQUIRED.get(resource, {})
    body = case.body
    if isinstance(body, dict) and case.operation.path.endswith("/batch"):
        items = body.get("items")
        for item in items if isinstance(items, list) else []:
            _fix(item, required)
    elif isinstance(body, dict) and "events" in body:
        _fix(body, {})
    elif isinstance(body, list):
        for event in body:
            _fix(event, {})
    elif isinstance(body, dict):
        _fix(body, required)
