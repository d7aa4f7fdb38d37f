import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken, hash_token
from api.services import api_token_create, api_token_revoke
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_it_refuses_a_request_without_a_token():
    response = Client().get("/api/v1/customers/C1")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["errors"][0]["field"] == "Authorization"


def test_it_refuses_an_unknown_token():
    assert ApiClient("pc_nope").get("/customers/C1").status_code == 401


def test_it_refuses_a_revoked_token():
    token, raw = api_token_create(name="old")
    token.revoked_at = timezone.now()
    token.save()
    assert ApiClient(raw).get("/customers/C1").status_code == 401


def test_it_refuses_another_scheme():
    _token, raw = api_token_create(name="shop")
    response = Client(HTTP_AUTHORIZATION=f"Basic {raw}").get("/api/v1/customers/C1")
    assert response.status_code == 401


def test_it_accepts_a_valid_token():
    _token, raw = api_token_create(name="shop")
    assert ApiClient(raw).get("/customers/C1").status_code == 404


def test_it_notes_the_last_use_at_most_once_a_minute():
    token, raw = api_token_create(name="shop")
    client = ApiClient(raw)
    with time_machine.travel(NOW, tick=False):
        client.get("/customers/C1")
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        client.get("/customers/C1")
    token.refresh_from_db()
    assert token.last_used_at == NOW
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        client.get("/customers/C1")
    token.refresh_from_db()
    assert token.last_used_at == NOW + dt.timedelta(seconds=61)


def test_the_command_prints_a_token_that_works_and_stores_only_its_hash():
    out = StringIO()
    call_command("create_api_token", "shop", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="shop")
    assert token.key_hash == hash_token(raw) and raw not in (token.key_hash, token.hint)
    assert ApiClient(raw).get("/customers/C1").status_code == 404


def test_the_command_refuses_a_name_in_use():
    api_token_create(name="shop")
    with pytest.raises(CommandError, match="exists"):
        call_command("create_api_token", "shop", stdout=StringIO(), stderr=StringIO())


def test_the_command_refuses_an_empty_name():
    with pytest.raises(CommandError, match="required"):
        call_command("create_api_token", "  ", stdout=StringIO(), stderr=StringIO())


def test_rotating_replaces_the_secret():
    _token, old = api_token_create(name="shop")
    out = StringIO()
    call_command("create_api_token", "shop", "--rotate", stdout=out, stderr=StringIO())
    assert ApiClient(old).get("/customers/C1").status_code == 401
    assert ApiClient(out.getvalue().strip()).get("/customers/C1").status_code == 404


def test_rotating_an_unknown_name_fails():
    with pytest.raises(CommandError, match="No token"):
        call_command(
            "create_api_token",
            "ghost",
            "--rotate",
            stdout=StringIO(),
            stderr=StringIO(),
        )


def test_revoking_stops_the_token():
    _token, raw = api_token_create(name="shop")
    call_command("create_api_token", "shop", "--revoke", stdout=StringIO())
    assert ApiClient(raw).get("/customers/C1").status_code == 401
    with pytest.raises(CommandError, match="already revoked"):
        call_command("create_api_token", "shop", "--revoke", stdout=StringIO())


def test_token_requests_need_no_csrf_token():
    _token, raw = api_token_create(name="shop")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.put("/api/v1/customers/C1", "{}", content_type="application/json")
    assert response.status_code == 201


def test_a_token_found_live_is_trusted_briefly_without_a_query():
    _token, raw = api_token_create(name="shop")
    client = ApiClient(raw)
    with time_machine.travel(NOW, tick=False):
        client.get("/customers/C1")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/customers/C1").status_code == 404
    assert not [q for q in captured if "api_apitoken" in q["sql"]]


def test_a_revocation_elsewhere_stops_the_token_within_the_cache_time(settings):
    settings.API_TOKEN_CACHE_SECONDS = 5
    token, raw = api_token_create(name="shop")
    client = ApiClient(raw)
    with time_machine.travel(NOW, tick=False):
        assert client.get("/customers/C1").status_code == 404
    # Another process (the command) revokes it: this one has it cached.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=NOW)
    with time_machine.travel(NOW + dt.timedelta(seconds=4), tick=False):
        assert client.get("/customers/C1").status_code == 404
    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        assert client.get("/customers/C1").status_code == 401


def test_a_revocation_or_rotation_in_this_process_stops_the_token_at_once():
    _token, raw = api_token_create(name="shop")
    client = ApiClient(raw)
    assert client.get("/customers/C1").status_code == 404
    call_command("create_api_token", "shop", "--rotate", stdout=StringIO())
    assert client.get("/customers/C1").status_code == 401
    _token, raw = api_token_create(name="other")
    client = ApiClient(raw)
    assert client.get("/customers/C1").status_code == 404
    api_token_revoke(name="other")
    assert client.get("/customers/C1").status_code == 401
