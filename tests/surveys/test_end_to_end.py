"""From the helpdesk's API call to a paused marketing message, through the real parts."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.test import Client

from api.services import api_token_create
from care.delivery.dispatch import messages_dispatch
from care.models import Message, RecoveryCase
from tests.factories import (
    CampaignFactory,
    MessageFactory,
    MessageTemplateFactory,
)
from tests.surveys.conftest import NOW

pytestmark = pytest.mark.usefixtures("playbooks")


def put(client: Client, path: str, body: dict):
    import json

    return client.put(
        f"/api/v1{path}", json.dumps(body), content_type="application/json"
    )


@pytest.mark.parametrize(
    ("locale", "question", "thanks"),
    [
        ("en", "How satisfied are you with our service?", "Thank you!"),
        ("zh-hans", "您对我们的服务满意吗？", "谢谢您！"),
    ],
)
def test_a_resolved_ticket_leads_to_a_survey_a_case_and_a_marketing_pause(
    frozen, sms_outbox, locale, question, thanks
):
    _token, raw = api_token_create(name="helpdesk")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    consents = [
        {"channel": "sms", "purpose": p, "granted": True, "source": "shop"}
        for p in ("service", "marketing")
    ]
    customer = {
        "name": "Lin",
        "phone": "+8613800138000",
        "locale": locale,
        "time_zone": "Asia/Shanghai",
        "consents": consents,
    }
    assert put(api, "/customers/C1", customer).status_code in (200, 201)
    ticket = {
        "customer": "C1",
        "subject": "Broken kettle",
        "status": "open",
        "opened_at": (NOW - dt.timedelta(hours=1)).isoformat(),
        "agent": "alice",
    }
    assert put(api, "/tickets/T1", ticket).status_code == 201
    assert put(api, "/tickets/T1", {**ticket, "status": "resolved"}).status_code == 200

    frozen.shift(dt.timedelta(minutes=10))
    call_command("run_triggers", verbosity=0)
    call_command("dispatch", verbosity=0)
    [sent] = sms_outbox
    path = re.search(r"http://testserver(/s/\S+)", sent.body).group(1)

    browser = Client()
    assert question in browser.get(path).content.decode()
    answer = browser.post(path, {"csat": "1", "nps": "2", "comment": "Still broken"})
    assert thanks in answer.content.decode()

    case = RecoveryCase.objects.get()
    assert case.ticket.external_id == "T1" and case.status == "open"

    campaign = CampaignFactory(trigger="birthday", purpose="marketing")
    MessageTemplateFactory(campaign=campaign, channel="sms", locale=locale)
    marketing = MessageFactory(campaign=campaign, customer=case.customer)
    messages_dispatch()
    marketing.refresh_from_db()
    assert (marketing.status, marketing.reason) == ("skipped", "care_first")
    assert Message.objects.filter(trigger="survey", status="sent").count() == 1
