import sqlite3

from config.database import database_config
from crm.checks import check_secret_key


def test_it_warns_about_the_development_key_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "django-insecure-local-development-only"
    assert [w.id for w in check_secret_key(None)] == ["care.W001"]


def test_it_accepts_a_long_random_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 10 + "3x!9Qz#mN2pL7vR$wT5yU8iO0aS4dF6gH1jK"
    assert check_secret_key(None) == []


def test_it_does_not_warn_while_debugging(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = "short"
    assert check_secret_key(None) == []


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    config = database_config(f"sqlite:///{tmp_path / 'care.sqlite3'}")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    connection = sqlite3.connect(config["NAME"])
    connection.executescript(config["OPTIONS"]["init_command"])
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_postgres_urls_get_no_sqlite_options():
    config = database_config("postgres://postgres@127.0.0.1:5432/care")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in config.get("OPTIONS", {})


def test_it_warns_about_an_old_sms_backend_path_and_names_the_new_one(settings):
    from care.checks import check_sms_backend_path

    settings.SMS_BACKEND = "care.channels.sms.TwilioBackend"
    [warning] = check_sms_backend_path(None)
    assert warning.id == "care.W104"
    assert "care.delivery.channels.twilio_sms.TwilioBackend" in warning.hint


def test_it_does_not_warn_about_a_current_sms_backend_path(settings):
    from care.checks import check_sms_backend_path

    settings.SMS_BACKEND = "care.delivery.channels.sms.ConsoleBackend"
    assert check_sms_backend_path(None) == []
