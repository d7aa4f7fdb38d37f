import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from care.models import ErasureRecord
from crm.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    """A staff user who may view customers but not erase them."""
    user = django_user_model.objects.create_user("clerk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)
    return user


def test_the_customer_page_links_to_export_and_erase(admin_client, rich):
    page = admin_client.get(reverse("admin:crm_customer_change", args=[rich.pk]))
    assert reverse("admin:care_customer_export", args=[rich.pk]) in page.text
    assert reverse("admin:care_customer_erase", args=[rich.pk]) in page.text


def test_the_export_downloads_json_with_chinese_intact(client, staff, rich):
    staff.user_permissions.add(Permission.objects.get(codename="export_customer"))
    response = client.get(reverse("admin:care_customer_export", args=[rich.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert "王小明" in response.content.decode()
    assert json.loads(response.content)["profile"]["external_id"] == "VIP-1"


def test_staff_without_the_permission_see_no_erase_link_and_cannot_erase(
    client, staff, rich
):
    page = client.get(reverse("admin:crm_customer_change", args=[rich.pk]))
    assert reverse("admin:care_customer_erase", args=[rich.pk]) not in page.text
    url = reverse("admin:care_customer_erase", args=[rich.pk])
    assert client.post(url).status_code == 403
    assert Customer.objects.filter(pk=rich.pk).exists()


def test_erase_asks_for_confirmation_before_deleting(admin_client, rich):
    page = admin_client.get(reverse("admin:care_customer_erase", args=[rich.pk]))
    assert "cannot be undone" in page.text
    assert Customer.objects.filter(pk=rich.pk).exists()


def test_erase_after_confirmation_deletes_and_records_who_asked(admin_client, rich):
    response = admin_client.post(reverse("admin:care_customer_erase", args=[rich.pk]))
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=rich.pk).exists()
    assert ErasureRecord.objects.get().requested_by == "admin (admin)"


def test_erasure_records_are_read_only(admin_client, rich):
    admin_client.post(reverse("admin:care_customer_erase", args=[rich.pk]))
    record = ErasureRecord.objects.get()
    url = reverse("admin:care_erasurerecord_delete", args=[record.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


def test_the_privacy_section_and_confirmation_speak_chinese(admin_client, rich):
    page = admin_client.get(
        reverse("admin:crm_customer_change", args=[rich.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "导出数据（JSON）" in page.text
    confirm = admin_client.get(
        reverse("admin:care_customer_erase", args=[rich.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "此操作无法撤销" in confirm.text
