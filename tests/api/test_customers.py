import io

import pytest
import time_machine
from django.core.management import call_command

from crm.models import Consent, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
BODY = {
    "name": "李雷",
    "phone": "138 1234 5678",
    "email": "li@example.com",
    "birthday": "1992-02-29",
    "time_zone": "Asia/Shanghai",
    "locale": "zh-Hans",
    "consents": [
        {
            "channel": "sms",
            "purpose": "marketing",
            "granted": True,
            "source": "pos:store-12",
        }
    ],
}


def test_it_creates_a_customer(api):
    response = api.put("/customers/C1", BODY)
    assert response.status_code == 201
    body = response.json()
    assert (body["phone"], body["locale"], body["birthday"]) == (
        "+8613812345678",
        "zh-hans",
        "1992-02-29",
    )
    assert body["consents"][0]["source"] == "pos:store-12"


def test_the_same_put_twice_keeps_one_customer_and_one_consent(api):
    api.put("/customers/C1", BODY)
    response = api.put("/customers/C1", BODY)
    assert response.status_code == 200
    assert Customer.objects.count() == 1 and Consent.objects.count() == 1


def test_a_changed_consent_adds_to_the_history_and_wins(api):
    api.put("/customers/C1", BODY)
    withdrawn = {
        "consents": [
            {
                "channel": "sms",
                "purpose": "marketing",
                "granted": False,
                "source": "call-centre",
            }
        ]
    }
    body = api.put("/customers/C1", withdrawn).json()
    assert [c["granted"] for c in body["consents"]] == [False]
    assert Consent.objects.count() == 2


def test_a_consent_without_source_is_credited_to_the_token(api):
    body = {"consents": [{"channel": "email", "purpose": "service", "granted": True}]}
    assert api.put("/customers/C1", body).json()["consents"][0]["source"] == "api:shop"


def test_it_names_an_invalid_phone_and_writes_nothing(api):
    response = api.put("/customers/C1", {**BODY, "phone": "12345"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "phone", "message": "Not a valid phone number."}
    ]
    assert not Customer.objects.exists() and not Consent.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "li@"),
        ("time_zone", "Beijing"),
        ("birthday", "29/02/1992"),
        ("locale", "fr"),
        ("name", "x" * 201),
    ],
)
def test_it_names_the_bad_field(api, field, value):
    response = api.put("/customers/C1", {**BODY, field: value})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_it_names_a_bad_consent_by_position(api):
    body = {"consents": [{"channel": "sms", "purpose": "spam", "granted": True}]}
    response = api.put("/customers/C1", body)
    assert [e["field"] for e in response.json()["errors"]] == ["consents.0.purpose"]


def test_it_rejects_a_wrong_type_by_field(api):
    response = api.put(
        "/customers/C1",
        {"consents": [{"channel": "sms", "purpose": "service", "granted": "maybe"}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consents.0.granted"


def test_it_rejects_an_unknown_field(api):
    response = api.put("/customers/C1", {"nickname": "x"})
    assert (
        response.status_code == 422
        and response.json()["errors"][0]["field"] == "nickname"
    )


def test_it_shows_the_profile_with_current_consents(api):
    api.put("/customers/C1", BODY)
    api.put(
        "/customers/C1",
        {
            "consents": [
                {
                    "channel": "sms",
                    "purpose": "marketing",
                    "granted": False,
                    "source": "sms:TD",
                }
            ]
        },
    )
    body = api.get("/customers/C1").json()
    assert body["name"] == "李雷"
    assert [(c["channel"], c["purpose"], c["granted"]) for c in body["consents"]] == [
        ("sms", "marketing", False)
    ]
    assert (
        body["rfm"] is None
        and body["segment"] is None
        and body["recent_messages"] == []
    )


def test_an_unknown_customer_is_not_found(api):
    response = api.get("/customers/NOPE")
    assert (
        response.status_code == 404
        and response.json()["errors"][0]["field"] == "external_id"
    )


def test_it_reads_a_customer_in_a_bounded_number_of_queries(
    api, django_assert_max_num_queries
):
    CustomerFactory(external_id="C1")
    # One more than before for the recent messages (care.outbox.selectors),
    # and one for the audit trail's entry (a read of a customer's data).
    with django_assert_max_num_queries(6):
        assert api.get("/customers/C1").status_code == 200


@time_machine.travel("2026-11-22 12:00 +0800", tick=False)
def test_it_returns_the_current_rfm_and_segment_after_a_scoring_run(api):
    api.put("/customers/C1", BODY)
    api.put(
        "/products/SKU-1", {"name": "Kettle", "category": "kitchen", "price": "99.00"}
    )
    api.put(
        "/orders/O1",
        {
            "customer": "C1",
            "placed_at": "2026-11-01T10:00:00+08:00",
            "total": "99.00",
            "currency": "CNY",
            "items": [{"product": "SKU-1", "quantity": 1}],
        },
    )
    call_command("rfm_score", "--no-progress", stdout=io.StringIO())

    body = api.get("/customers/C1").json()

    assert body["rfm"]["frequency"] == 1 and body["rfm"]["r_score"] in range(1, 6)
    assert body["segment"] == body["rfm"]["segment"] != ""
    # A resend answers with the same scores (read with the customer).
    resent = api.put("/customers/C1", BODY)
    assert resent.status_code == 200 and resent.json()["rfm"] == body["rfm"]
