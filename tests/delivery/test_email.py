"""Email: multipart, List-Unsubscribe (RFC 8058) and the /u/<token> page."""

import pytest
from django.core import mail

from care.content.links import unsubscribe_token
from care.delivery.dispatch import messages_dispatch
from crm.models import Consent
from tests.delivery.util import planned, reloaded
from tests.factories import CustomerFactory, consent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]


def email_marketing(customer) -> Consent:
    return Consent.objects.filter(
        customer=customer, channel="email", purpose="marketing"
    ).latest("recorded_at", "id")


def sent_email(purpose="marketing"):
    message = planned(purpose=purpose, channel="email")
    messages_dispatch()
    assert reloaded(message).status == "sent"
    return message, mail.outbox[-1]


def test_it_sends_text_and_html(settings):
    _, email = sent_email()
    assert email.body
    ((html, mimetype),) = email.alternatives
    assert mimetype == "text/html" and "<p>" in html


def test_it_adds_one_click_unsubscribe_headers_to_marketing():
    message, email = sent_email()
    token = unsubscribe_token(message.customer)
    assert email.extra_headers["List-Unsubscribe"] == (
        f"<https://care.example.com/u/{token}>"
    )
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_it_puts_the_unsubscribe_link_in_both_parts():
    message, email = sent_email()
    url = f"https://care.example.com/u/{unsubscribe_token(message.customer)}"
    assert url in email.body
    assert url in email.alternatives[0][0]


def test_it_offers_a_mailto_target_when_configured(settings):
    settings.UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    _, email = sent_email()
    assert (
        "<mailto:unsubscribe@example.com?subject=unsubscribe>"
        in (email.extra_headers["List-Unsubscribe"])
    )


def test_it_adds_no_unsubscribe_header_to_service_email():
    _, email = sent_email(purpose="service")
    assert "List-Unsubscribe" not in email.extra_headers
    assert "/u/" not in email.body


def test_the_headers_survive_into_the_sent_bytes():
    _, email = sent_email()
    raw = email.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


@pytest.fixture
def subscriber():
    customer = CustomerFactory(locale="zh-hans")
    consent(customer, "email", "marketing", True)
    return customer


def test_the_page_asks_to_confirm_in_the_customers_language(client, subscriber):
    response = client.get(f"/u/{unsubscribe_token(subscriber)}")
    assert response.status_code == 200
    assert "退订" in response.content.decode()
    assert b'method="post"' in response.content
    assert email_marketing(subscriber).granted is True


def test_one_click_post_unsubscribes_at_once(subscriber):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/u/{unsubscribe_token(subscriber)}", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    latest = email_marketing(subscriber)
    assert (latest.granted, latest.source) == (False, "unsubscribe-link")


def test_unsubscribing_twice_records_one_withdrawal(client, subscriber):
    url = f"/u/{unsubscribe_token(subscriber)}"
    client.post(url)
    assert client.post(url).status_code == 200
    withdrawals = Consent.objects.filter(customer=subscriber, granted=False)
    assert withdrawals.count() == 1


@pytest.mark.parametrize("token", ["garbage", "eyJjIjoxfQ:forged:sig", "a" * 300])
def test_a_bad_token_gets_a_400_page(client, subscriber, token):
    response = client.post(f"/u/{token}")
    assert response.status_code == 400
    assert email_marketing(subscriber).granted is True


def test_a_tampered_token_gets_a_400_page(client, subscriber):
    token = unsubscribe_token(subscriber)
    assert client.get(f"/u/{token[:-2]}xx").status_code == 400


def test_a_token_for_a_deleted_customer_gets_a_400_page(client, subscriber):
    token = unsubscribe_token(subscriber)
    subscriber.delete()
    assert client.get(f"/u/{token}").status_code == 400


def test_the_marketing_email_after_unsubscribing_is_skipped(client):
    message = planned(purpose="marketing", channel="email")
    client.post(f"/u/{unsubscribe_token(message.customer)}")
    messages_dispatch()
    assert (reloaded(message).status, reloaded(message).reason) == (
        "skipped",
        "no_consent",
    )
