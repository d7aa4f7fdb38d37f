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


def test_it_matches_a_phone_number_only_as_a_whole(admin_client):
    CustomerFactory(external_id="WANTED", phone="+8613800138000")
    assert found(admin_client, "+86 138 0013 8000") == ["WANTED"]
    assert found(admin_client, "0013") == []


def test_it_finds_a_customer_by_an_email_in_any_case(admin_client):
    CustomerFactory(external_id="X-1", email="Emma.Clark@example.com")
    CustomerFactory(external_id="X-2", email="emma@example.com")
    assert found(admin_client, "emma.clark@EXAMPLE.com") == ["X-1"]
    assert found(admin_client, "emma@example") == []


def test_it_finds_customers_by_the_start_of_their_external_id(admin_client):
    CustomerFactory(external_id="SHOP-1")
    CustomerFactory(external_id="SHOP-2")
    CustomerFactory(external_id="POS-SHOP-3")
    assert found(admin_client, "SHOP-") == ["SHOP-2", "SHOP-1"]


def test_it_finds_a_name_by_any_part_of_three_characters_or_more(admin_client):
    CustomerFactory(external_id="X-1", name="王小明")
    CustomerFactory(external_id="X-2", name="Emma Clark")
    assert found(admin_client, "clark") == ["X-2"]
    assert found(admin_client, "王小明") == ["X-1"]


def test_it_finds_a_name_by_its_start_for_one_or_two_characters(admin_client):
    CustomerFactory(external_id="X-1", name="王小明")
    CustomerFactory(external_id="X-2", name="李王")
    assert found(admin_client, "王小") == ["X-1"]
    assert found(admin_client, "王") == ["X-1"]


def test_it_finds_a_numeric_external_id_that_also_looks_like_a_phone(admin_client):
    CustomerFactory(external_id="20240017", phone="+8613800138000")
    assert found(admin_client, "20240017") == ["20240017"]


def test_phone_search_term_ignores_words_and_short_numbers():
    assert phone_search_term("Wang Fang") is None
    assert phone_search_term("1380") is None
    assert phone_search_term("+44 7700 900123") == "+447700900123"
