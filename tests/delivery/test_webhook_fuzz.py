"""Random signed form posts against the webhooks: never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.delivery.util import signed_post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
keys = st.sampled_from(
    [
        "MessageSid",
        "SmsSid",
        "MessageStatus",
        "ErrorCode",
        "From",
        "To",
        "Body",
        "OptOutType",
        "AccountSid",
    ]
) | st.text(max_size=10)
values = st.text(max_size=60) | st.sampled_from(
    [
        "STOP",
        "td",
        "退订",
        "HELP",
        "delivered",
        "failed",
        "sent",
        "+8613800000000",
        "SM" + "1" * 32,
        "30006",
        "21610",
        "START",
        "99999999999999999999",
    ]
)
forms = st.dictionaries(keys, values, max_size=6)
refs = st.sampled_from(
    ["", "?m=1", "?m=abc", "?m=99999999999999999999999", "?m=%C2%B2"]
)


@FUZZ
@given(params=forms, query=refs)
def test_the_status_webhook_never_fails(client, params, query):
    response = signed_post(client, f"/webhooks/twilio/status{query}", params)
    assert response.status_code in (204, 400)


@FUZZ
@given(params=forms)
def test_the_inbound_webhook_never_fails(client, params):
    CustomerFactory(phone="+8613800000000")
    response = signed_post(client, "/webhooks/twilio/inbound", params)
    assert response.status_code in (200, 400)
