import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import ConsentFactory, CustomerFactory

URL = "admin:crm_customer_changelist"


def listed(client, **params) -> set[str]:
    response = client.get(reverse(URL), params)
    assert response.status_code == 200
    return {c.external_id for c in response.context["cl"].result_list}


@pytest.fixture
def consents(db):
    now = timezone.now()
    granted = CustomerFactory(external_id="GRANTED")
    ConsentFactory(customer=granted, channel="sms", purpose="marketing", granted=True)
    withdrawn = CustomerFactory(external_id="WITHDRAWN")
    ConsentFactory(
        customer=withdrawn,
        channel="sms",
        purpose="marketing",
        granted=True,
        recorded_at=now - dt.timedelta(days=3),
    )
    ConsentFactory(
        customer=withdrawn,
        channel="sms",
        purpose="marketing",
        granted=False,
        recorded_at=now - dt.timedelta(days=1),
    )
    CustomerFactory(external_id="NEVER")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("marketing:granted", {"GRANTED"}),
        ("marketing:withdrawn", {"WITHDRAWN"}),
        ("marketing:none", {"NEVER"}),
    ],
)
def test_it_filters_customers_by_their_latest_sms_consent(
    admin_client, consents, value, expected
):
    assert listed(admin_client, sms_consent=value) == expected


def test_it_ignores_an_unknown_consent_filter_value(admin_client, consents):
    assert listed(admin_client, sms_consent="nonsense") == {
        "GRANTED",
        "WITHDRAWN",
        "NEVER",
    }


def test_it_combines_sms_and_email_consent_filters(admin_client, consents):
    assert listed(
        admin_client, sms_consent="marketing:granted", email_consent="service:none"
    ) == {"GRANTED"}


@time_machine.travel(dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC), tick=False)
def test_it_filters_customers_with_a_birthday_this_month(admin_client):
    CustomerFactory(external_id="FEB", birthday=dt.date(1992, 2, 29))
    CustomerFactory(external_id="MAR", birthday=dt.date(1990, 3, 1))
    assert listed(admin_client, birthday="this_month") == {"FEB"}
    assert listed(admin_client, birthday="next_month") == {"MAR"}


def test_it_filters_customers_by_locale_and_time_zone(admin_client):
    CustomerFactory(external_id="LDN", locale="en", time_zone="Europe/London")
    CustomerFactory(external_id="SH", locale="zh-hans", time_zone="Asia/Shanghai")
    assert listed(admin_client, locale__exact="en") == {"LDN"}
    assert listed(admin_client, time_zone="Asia/Shanghai") == {"SH"}


def test_it_shows_the_current_consent_in_the_list(admin_client, consents):
    response = admin_client.get(reverse(URL))
    assert 'class="consent-yes"' in response.text
    assert 'class="consent-no"' in response.text
