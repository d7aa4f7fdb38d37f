import datetime as dt

from crm.models import next_service_date
from tests.factories import AssetFactory, CustomerFactory


def test_it_keeps_birth_month_and_day_with_the_birthday(db):
    customer = CustomerFactory(birthday=dt.date(1992, 2, 29))
    assert (customer.birth_month, customer.birth_day) == (2, 29)
    customer.birthday = None
    customer.save()
    customer.refresh_from_db()
    assert customer.birth_month is None and customer.birth_day is None


def test_it_derives_the_next_service_date_from_last_service_and_interval(db):
    asset = AssetFactory(last_serviced_at=dt.date(2026, 1, 31), service_interval_days=30)
    asset.refresh_from_db()
    assert asset.next_service_on == dt.date(2026, 3, 2)


def test_next_service_date_is_unknown_without_a_last_service():
    assert next_service_date(None, 90) is None
