import pytest

from care.outbox.selectors import customer_recent_messages
from tests.factories import CustomerFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_it_lists_the_newest_messages_with_status_and_reason():
    customer = CustomerFactory()
    MessageFactory(customer=customer, status="sent")
    MessageFactory(customer=customer, status="skipped", reason="no_consent")
    newest, oldest = customer_recent_messages(customer)
    assert (newest["status"], newest["reason"]) == ("skipped", "no_consent")
    assert newest["reason_text"] == "No consent for this channel and purpose"
    assert (oldest["status"], oldest["reason"]) == ("sent", None)


def test_the_api_profile_shows_recent_messages(client):
    from io import StringIO

    from django.core.management import call_command

    from api.models import ApiToken  # noqa: F401  (the API is merged on this branch)

    customer = CustomerFactory(external_id="C-API")
    MessageFactory(customer=customer, status="held_out")
    out = StringIO()
    call_command("create_api_token", "test", stdout=out)
    token = out.getvalue().strip().split()[-1]
    body = client.get(
        "/api/v1/customers/C-API", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [m["status"] for m in body["recent_messages"]] == ["held_out"]
