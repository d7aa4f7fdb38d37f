"""Random bodies and ids against every endpoint: whatever comes in, never a 5xx."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "C1",
            "K1",
            "sms",
            "email",
            "marketing",
            "service",
            "open",
            "resolved",
            "vehicle",
            "product_viewed",
            "2026-01-01",
            "2026-01-01T10:00:00Z",
            "-1",
            "1e400",
            "\x00",
            "CNY",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

FIELDS = {
    "/customers/": [
        "name",
        "phone",
        "email",
        "birthday",
        "time_zone",
        "locale",
        "consents",
    ],
    "/products/": ["name", "category", "price", "launched_at"],
    "/orders/": ["customer", "placed_at", "total", "currency", "items", "coupon_code"],
    "/assets/": [
        "customer",
        "kind",
        "name",
        "last_serviced_at",
        "service_interval_days",
    ],
    "/tickets/": [
        "customer",
        "subject",
        "status",
        "opened_at",
        "resolved_at",
        "agent",
        "first_contact_resolution",
    ],
}


def body_for(names: list[str]) -> st.SearchStrategy:
    """Objects with the endpoint's own keys (so the services are reached) or random ones."""
    known = st.fixed_dictionaries({}, optional={name: json_values for name in names})
    return known | json_values


def item_lists(names: list[str]) -> st.SearchStrategy:
    return st.lists(
        st.fixed_dictionaries({}, optional={n: json_values for n in names})
        | json_values,
        max_size=4,
    )


@pytest.fixture
def shop(db):
    CustomerFactory(external_id="C1")
    ProductFactory(sku="K1")


@pytest.mark.parametrize("prefix", list(FIELDS))
def test_random_bodies_never_get_a_5xx(api, shop, prefix):
    ids = st.text(min_size=1, max_size=80).filter(
        lambda s: "/" not in s and s not in (".", "..")
    )
    body = body_for(FIELDS[prefix])
    if prefix == "/customers/":
        body = body | st.fixed_dictionaries(
            {
                "consents": item_lists(
                    ["channel", "purpose", "granted", "source", "recorded_at"]
                )
            }
        )
    if prefix == "/orders/":
        body = body | st.fixed_dictionaries(
            {
                "customer": st.just("C1"),
                "items": item_lists(["product", "sku", "quantity", "unit_price"]),
            }
        )

    @FUZZ
    @given(external_id=ids, payload=body)
    def check(external_id, payload):
        response = api.put(prefix + quote(external_id, safe=""), payload)
        assert response.status_code < 500, response.content

    check()


def test_random_event_batches_never_get_a_5xx(api, shop):
    event_keys = ["type", "customer", "product", "occurred_at", "id"]

    @FUZZ
    @given(
        payload=st.fixed_dictionaries({"events": item_lists(event_keys)}) | json_values
    )
    def check(payload):
        assert api.post("/events", payload).status_code < 500

    check()


def test_random_bytes_never_get_a_5xx(api):
    @FUZZ
    @given(data=st.binary(max_size=200))
    def check(data):
        response = api.client.put(
            "/api/v1/customers/C1", data, content_type="application/json"
        )
        assert response.status_code < 500

    check()


def test_random_json_to_get_never_gets_a_5xx(api):
    @FUZZ
    @given(external_id=st.text(min_size=1, max_size=80))
    def check(external_id):
        assert api.get("/customers/" + quote(external_id, safe="")).status_code < 500

    check()
