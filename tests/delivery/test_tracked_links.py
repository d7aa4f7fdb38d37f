"""Tracked links: {% link %} in a template, /c/<token>, scanners recorded but not counted."""

import datetime as dt
import re

import pytest

from care.content.links import PREVIEW_TOKEN, link_from_token, link_token
from care.content.sms import sms_info
from care.delivery.channels import sms as sms_channel
from care.delivery.dispatch import messages_dispatch
from care.models import Click, MessageTemplate, TrackedLink
from care.studio.preview import campaign_preview
from tests.delivery.util import planned, reloaded
from tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("morning")]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
LINK = re.compile(r"https://care\.example\.com/c/(\w+)")


@pytest.fixture(autouse=True)
def locmem_sms(settings):
    settings.SMS_BACKEND = "care.delivery.channels.sms.LocmemBackend"
    settings.SHOP_URL = "https://shop.example.com"
    sms_channel.outbox.clear()


def with_link(purpose="marketing", body="Treat yourself: {% link %}", **kwargs):
    message = planned(purpose=purpose, **kwargs)
    MessageTemplate.objects.filter(campaign=message.campaign).update(body=body)
    return message


def sent_link(message) -> str:
    messages_dispatch()
    sent = reloaded(message)
    assert sent.status == "sent", sent.reason_detail
    return LINK.search(sent.body).group(1)


def test_it_writes_a_short_signed_link_for_marketing(client):
    message = with_link()
    token = sent_link(message)
    assert link_from_token(token) == (message.pk, 0)
    assert len(token) <= 14
    link = TrackedLink.objects.get(message=message)
    assert link.url == "https://shop.example.com"


def test_it_leads_to_the_products_page_when_known():
    product = ProductFactory(url="https://shop.example.com/p/x2")
    message = with_link()
    message.product = product
    message.save()
    sent_link(message)
    assert TrackedLink.objects.get(message=message).url == product.url


def test_only_the_persons_click_counts(client, morning):
    message = with_link()
    token = sent_link(message)
    morning.shift(dt.timedelta(minutes=5))
    scanner = client.get(f"/c/{token}", HTTP_USER_AGENT="Barracuda Sentinel (EE)")
    person = client.get(f"/c/{token}", HTTP_USER_AGENT=IPHONE)
    for response in (scanner, person):
        assert response.status_code == 302
        assert response["Location"] == "https://shop.example.com"
    clicks = Click.objects.filter(message=message).order_by("id")
    assert [(c.counted, c.scanner) for c in clicks] == [(False, "agent"), (True, "")]
    assert Click.objects.filter(message=message, counted=True).count() == 1


def test_a_prefetch_and_a_click_within_a_second_of_delivery_do_not_count(client):
    message = with_link()
    token = sent_link(message)
    head = client.head(f"/c/{token}", HTTP_USER_AGENT=IPHONE)
    at_once = client.get(f"/c/{token}", HTTP_USER_AGENT=IPHONE)
    assert head.status_code == at_once.status_code == 302
    reasons = list(Click.objects.order_by("id").values_list("scanner", flat=True))
    assert reasons == ["head", "too_soon"]
    assert not Click.objects.filter(counted=True).exists()


@pytest.mark.parametrize("token", ["", "x", "0000000000", "../../admin", "A" * 80])
def test_an_unknown_token_is_a_plain_404(client, token):
    response = client.get(f"/c/{token}")
    assert response.status_code == 404
    assert "Location" not in response
    assert not Click.objects.exists()


def test_a_tampered_token_is_a_404_never_a_redirect(client):
    message = with_link()
    token = sent_link(message)
    other = link_token(message.pk + 1, 0)[:-1] + "0"  # forged signature
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, other, link_token(message.pk, 5)):
        response = client.get(f"/c/{bad}")
        assert response.status_code == 404 and "Location" not in response
    assert not Click.objects.exists()


def test_service_messages_carry_the_plain_address():
    message = with_link(purpose="service")
    messages_dispatch()
    sent = reloaded(message)
    assert "Treat yourself: https://shop.example.com" in sent.body
    assert "/c/" not in sent.body and not TrackedLink.objects.exists()


def test_the_campaign_switches_tracking():
    message = with_link()
    message.campaign.track_links = False
    message.campaign.save()
    messages_dispatch()
    assert "/c/" not in reloaded(message).body
    message = with_link(purpose="service")
    message.campaign.track_links = True
    message.campaign.save()
    assert sent_link(message)


def test_a_link_to_anything_but_http_is_a_render_error():
    message = with_link(body='{% link "javascript:alert(1)" %}')
    messages_dispatch()
    sent = reloaded(message)
    assert sent.status == "skipped" and sent.reason == "render_error"
    assert "http(s)" in sent.reason_detail


def test_a_resent_render_keeps_one_row_per_link():
    message = with_link(body='{% link %} {% link "https://shop.example.com/b" %} {% link %}')
    token = sent_link(message)
    assert TrackedLink.objects.filter(message=message).count() == 2
    assert link_from_token(token) == (message.pk, 0)


def test_the_preview_counts_the_links_real_length_in_sms_segments():
    body = "Hi {{ customer.name }}, your gift is waiting: {% link %}"
    message = with_link(body=body)
    previews = [text for channel, _, text in campaign_preview(message.campaign)]
    assert all(f"/c/{PREVIEW_TOKEN}" in text for text in previews)
    messages_dispatch()
    sent = reloaded(message)
    token = LINK.search(sent.body).group(1)
    # The preview's token is as long as any real one can be: never fewer segments.
    assert len(PREVIEW_TOKEN) >= len(token)
    real = sms_info(sent.body)
    shown = sms_info(sent.body.replace(token, PREVIEW_TOKEN))
    assert shown.segments >= real.segments and shown.length - real.length == (
        len(PREVIEW_TOKEN) - len(token)
    )


def test_the_marketing_playbooks_carry_a_tracked_link_to_the_shop():
    from care.models import Campaign
    from care.outreach.playbooks import playbooks_install

    playbooks_install()
    for slug in ("birthday-gift", "abandoned-browse", "win-back", "new-product"):
        texts = [text for *_, text in campaign_preview(Campaign.objects.get(slug=slug))]
        assert len(texts) == 4
        assert all(f"/c/{PREVIEW_TOKEN}" in text for text in texts), slug
    for slug in ("maintenance-reminder", "post-service-survey"):
        texts = [text for *_, text in campaign_preview(Campaign.objects.get(slug=slug))]
        assert not any("/c/" in text for text in texts), slug
