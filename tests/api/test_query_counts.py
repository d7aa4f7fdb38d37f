"""PUT /customers costs a fixed, small number of queries (each a round trip)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Consent

pytestmark = pytest.mark.django_db
BODY = {
    "name": "Li",
    "phone": "+8613812345678",
    "consents": [{"channel": "sms", "purpose": "marketing", "granted": True}],
}


def queries(api, path: str, body: dict) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = api.put(path, body)
    assert response.status_code in (200, 201)
    return [
        q["sql"]
        for q in captured.captured_queries
        if "SAVEPOINT" not in q["sql"] and q["sql"] not in ("BEGIN", "COMMIT")
    ]


@pytest.fixture
def warm(api):
    api.get("/customers/nobody")  # the token's last use is noted once a minute
    return api


def test_a_new_customer_takes_two_statements_and_reads_nothing_back(warm):
    # The customer's look-up, then one statement inserts the customer, the
    # consent and its audit entry (on PostgreSQL; three on SQLite); no re-read,
    # and the token is known from the request before.
    sql = queries(warm, "/customers/C1", BODY)
    assert len(sql) == (2 if connection.vendor == "postgresql" else 4), sql
    assert 'INSERT INTO "audit_auditentry"' in sql[-1]


def test_a_resend_that_changes_nothing_writes_nothing_and_locks_nothing(warm):
    warm.put("/customers/C1", BODY)
    sql = queries(warm, "/customers/C1", BODY)
    assert not [s for s in sql if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [s for s in sql if "FOR UPDATE" in s]
    # The customer with its scores (none yet), its consents; then the answer's
    # messages.
    assert len(sql) == 3, sql


def test_a_change_is_written_under_a_lock(warm):
    warm.put("/customers/C1", BODY)
    withdraw = {"consents": [{**BODY["consents"][0], "granted": False}]}
    sql = queries(warm, "/customers/C1", withdraw)
    assert [s for s in sql if s.startswith("INSERT")]
    if connection.features.has_select_for_update:
        assert [s for s in sql if "FOR UPDATE" in s]
    assert Consent.objects.latest_per_topic().get().granted is False
