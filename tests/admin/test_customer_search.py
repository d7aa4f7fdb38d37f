import pytest
from django.urls import reverse

from crm.admin import phone_search_term
from tests.factories import CustomerFactory

URL = "admin:crm_customer_changelist"


def found(client, term: str) -> list[str]:
    response = client.get(reverse(URL), {"q": term})
    assert response.status_code == 200
    return [c.external_id for c in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "typed",
    [
        "138 0013 8000",
        "+86 138 0013 8000",
        "13800138000",
        "0086-138-0013-8000",
        "+86 138-0013-8000",
    ],
)
def test_it_finds_a_customer_by_phone_however_it_is_typed(admin_client, typed):
    CustomerFactory(external_id="WANTED", phone="+8613800138000")
    CustomerFactory(external_id="OTHER", phone="+8613900139000")
    assert found(admin_client, typed) == ["WANTED"]


def test_it_finds_a_customer_by_part_of_the_phone_number(admin_client):
    CustomerFactory(external_id="WANTED", phone="+8613800138000")
    assert found(admin_client, "0013") == ["WANTED"]


def test_it_finds_a_customer_by_name_email_and_external_id(admin_client):
    CustomerFactory(external_id="X-1", name="王小明", email="xm.wang@example.cn")
    CustomerFactory(external_id="X-2", name="Emma Clark", email="emma@example.com")
    assert found(admin_client, "小明") == ["X-1"]
    assert found(admin_client, "emma@example") == ["X-2"]
    assert found(admin_client, "X-2") == ["X-2"]


def test_it_finds_a_numeric_external_id_that_also_looks_like_a_phone(admin_client):
    CustomerFactory(external_id="20240017", phone="+8613800138000")
    assert found(admin_client, "20240017") == ["20240017"]


def test_phone_search_term_ignores_words_and_short_numbers():
    assert phone_search_term("Wang Fang") is None
    assert phone_search_term("1380") is None
    assert phone_search_term("+44 7700 900123") == "+447700900123"
