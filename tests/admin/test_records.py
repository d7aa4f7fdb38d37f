import datetime as dt

import time_machine
from django.urls import reverse

from tests.factories import AssetFactory, ConsentFactory, TicketFactory


def listed(client, url_name: str, **params) -> set[str]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return {row.external_id for row in response.context["cl"].result_list}


@time_machine.travel(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC), tick=False)
def test_it_filters_assets_due_for_service_within_7_and_30_days(admin_client):
    AssetFactory(
        external_id="SOON",
        last_serviced_at=dt.date(2026, 3, 1),
        service_interval_days=95,
    )  # 4 June
    AssetFactory(
        external_id="LATER",
        last_serviced_at=dt.date(2026, 5, 1),
        service_interval_days=50,
    )  # 20 June
    AssetFactory(
        external_id="LATE",
        last_serviced_at=dt.date(2026, 1, 1),
        service_interval_days=30,
    )
    assert listed(admin_client, "admin:crm_asset_changelist", next_service="7") == {
        "SOON"
    }
    assert listed(admin_client, "admin:crm_asset_changelist", next_service="30") == {
        "SOON",
        "LATER",
    }
    assert listed(
        admin_client, "admin:crm_asset_changelist", next_service="overdue"
    ) == {"LATE"}


def test_it_filters_assets_by_kind(admin_client):
    AssetFactory(external_id="CAR", kind="vehicle")
    AssetFactory(external_id="AC", kind="appliance")
    assert listed(
        admin_client, "admin:crm_asset_changelist", kind__exact="appliance"
    ) == {"AC"}


def test_it_filters_tickets_by_status_and_agent(admin_client):
    TicketFactory(external_id="T-OPEN", status="open", agent="王芳")
    TicketFactory(external_id="T-DONE", status="resolved", agent="Tom Lee")
    url = "admin:care_ticket_changelist"
    assert listed(admin_client, url, status__exact="open") == {"T-OPEN"}
    assert listed(admin_client, url, agent="Tom Lee") == {"T-DONE"}


def test_it_keeps_consent_history_read_only(admin_client):
    consent = ConsentFactory()
    assert admin_client.get(reverse("admin:crm_consent_add")).status_code == 403
    response = admin_client.get(reverse("admin:crm_consent_change", args=[consent.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text


def test_it_answers_a_bad_date_filter_without_an_error(admin_client):
    response = admin_client.get(
        reverse("admin:care_ticket_changelist"), {"resolved_at__gte": "not-a-date"}
    )
    assert response.status_code in (200, 302)
