"""Settings for Proactive Care, read from the environment.

Every setting has a default that runs locally with no environment at all:
SQLite in ./var, console channels, DEBUG on only when asked. The full list is
in docs/settings.md.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.database import database_config
from config.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_pair,
    env_prefixed,
    env_str,
)
from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CARE_VAR_DIR", str(BASE_DIR / "var")))

INSECURE_SECRET_KEY = "django-insecure-local-development-only"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# Where tracked links lead when a message names no product page (docs/results.md).
SHOP_URL = env_str("SHOP_URL", SITE_URL).rstrip("/") or SITE_URL

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "ninja",  # serves the API docs page's assets locally
    "anymail",  # email service providers: backends and tracking webhooks
    # Dependencies point one way: api -> care -> segmentation -> crm -> audit.
    "audit",
    "crm",
    "segmentation",
    "care",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the WSGI server itself (gunicorn): docs/deploy.md.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": database_config(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER = {
    "name": "proactive-care",
    # SQLite takes one writer at a time: one worker there (a system check
    # refuses more), two on PostgreSQL by default.
    "workers": env_int(
        "Q_WORKERS", 1 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 2
    ),
    # A task may run again if it outlives `retry`; the outbox rows, not the
    # queue, guarantee once-only sends. `retry` must exceed `timeout`.
    "timeout": env_int("Q_TIMEOUT", 300),
    "retry": env_int("Q_RETRY", 360),
    "max_attempts": env_int("Q_MAX_ATTEMPTS", 1),
    "catch_up": False,
    "save_limit": 1000,
    "label": "Django Q2",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth, i18n, time ---------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Each web process trusts a live API token this long without a query: a
# revocation or rotation made in another process takes effect within it.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 5)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# care/service/surveys/locale: the surveys and recovery strings, in a catalog of their own.
LOCALE_PATHS = [
    BASE_DIR / "locale",
    BASE_DIR / "care" / "service" / "surveys" / "locale",
    # care/operations/locale: the operations pages, alerts and their emails.
    BASE_DIR / "care" / "operations" / "locale",
    # care/reports/locale: tracked links, email events, campaign results, the dashboard.
    BASE_DIR / "care" / "reports" / "locale",
]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "CN")

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# `collectstatic` writes each file with a gzip and a brotli twin; WhiteNoise
# serves them with far-future caching.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Outreach -----------------------------------------------------------------
CARE_QUIET_HOURS = env_str("CARE_QUIET_HOURS", "21:00-08:00")
# At most CARE_FREQUENCY_CAP marketing messages per customer in CARE_FREQUENCY_CAP_DAYS
# (0 disables the cap); service messages are exempt.
CARE_FREQUENCY_CAP = env_int("CARE_FREQUENCY_CAP", 2)
CARE_FREQUENCY_CAP_DAYS = env_int("CARE_FREQUENCY_CAP_DAYS", 7)
# Send attempts before a message fails for good (0: retry transient errors forever).
CARE_DISPATCH_MAX_ATTEMPTS = env_int("CARE_DISPATCH_MAX_ATTEMPTS", 5)
# A row claimed longer ago than this by a worker that never reported back is
# handed to the reaper (see care/delivery/reconcile.py). Must exceed one batch's send time.
CARE_DISPATCH_LEASE_SECONDS = env_int("CARE_DISPATCH_LEASE_SECONDS", 600)
# A one-shot `dispatch` stops claiming after this many seconds.
CARE_DISPATCH_TIME_BUDGET = env_int("CARE_DISPATCH_TIME_BUDGET", 240)
# `dispatch --loop`: seconds to wait when nothing is due, and between two runs
# of the reaper and the reconciliation of messages in doubt.
CARE_DISPATCH_POLL = env_float("CARE_DISPATCH_POLL", 1.0)
CARE_DISPATCH_RECONCILE_EVERY = env_int("CARE_DISPATCH_RECONCILE_EVERY", 30)
# A sweep plans a whole audience (a dated campaign) on this many database
# connections at once, one slice of the customers each (PostgreSQL, when the
# customers table holds at least PLAN_SLICE_ABOVE rows). 1: one statement.
PLAN_CONNECTIONS = env_int("PLAN_CONNECTIONS", 2)
PLAN_SLICE_ABOVE = env_int("PLAN_SLICE_ABOVE", 100_000)
# The campaign forecast simulates every would-be message up to this many; above
# it, a sample of the customers that holds about this many, its counts scaled up.
FORECAST_SAMPLE = env_int("FORECAST_SAMPLE", 10_000)
# The nightly RFM run reads its per-customer aggregate on this many connections
# at once, one slice of the customers each, in one snapshot (PostgreSQL, from
# RFM_SLICE_ABOVE customers). 1: one statement.
RFM_CONNECTIONS = env_int("RFM_CONNECTIONS", 2)
RFM_SLICE_ABOVE = env_int("RFM_SLICE_ABOVE", 100_000)
# Requests in flight at once in each dispatch process (a thread pool over one
# pooled HTTP session; only the provider calls run in it). 1: one at a time.
DISPATCH_CONCURRENCY = env_int("DISPATCH_CONCURRENCY", 32)
# Of those, at most this many emails (an SMTP server or ESP caps connections).
EMAIL_CONCURRENCY = env_int("EMAIL_CONCURRENCY", 4)
# Share of each sender's SMS rate kept for service messages (surveys,
# reminders) while any are due; marketing may use the rest (all of it otherwise).
SMS_SERVICE_SHARE = env_float("SMS_SERVICE_SHARE", 0.5)
# Tests only (the chaos test): "N:S" pauses a dispatch process S seconds after
# its Nth accepted send, before the outcome is written, so it can be killed there.
CARE_TEST_PAUSE_AFTER_SEND = env_str("CARE_TEST_PAUSE_AFTER_SEND", "")

# --- Surveys and service recovery --------------------------------------------
# A survey link works this many days after it was sent.
CARE_SURVEY_VALID_DAYS = env_int("CARE_SURVEY_VALID_DAYS", 7)
# No second post-service survey to a customer within this many days.
CARE_SURVEY_REPEAT_DAYS = env_int("CARE_SURVEY_REPEAT_DAYS", 7)
# An answer at or below either threshold opens a recovery case.
CARE_RECOVERY_CSAT_MAX = env_int("CARE_RECOVERY_CSAT_MAX", 2)
CARE_RECOVERY_NPS_MAX = env_int("CARE_RECOVERY_NPS_MAX", 6)
# No marketing for this many days after a low score (and while a case is open).
CARE_LOW_SCORE_DAYS = env_int("CARE_LOW_SCORE_DAYS", 14)
# Escalated cases move to this queue (a user's queues are their group names).
CARE_RECOVERY_ESCALATION_QUEUE = env_str("CARE_RECOVERY_ESCALATION_QUEUE", "managers")

# --- Operations: heartbeats, alerts, /healthz, /metrics (docs/operations.md) ---------
# A job is late when not seen this many seconds past its interval (a minute for
# sweep, dispatch and reaper), stopped past the second figure.
CARE_HEARTBEAT_LATE_SECONDS = env_int("CARE_HEARTBEAT_LATE_SECONDS", 240)
CARE_HEARTBEAT_STOPPED_SECONDS = env_int("CARE_HEARTBEAT_STOPPED_SECONDS", 840)
# Heartbeats of dispatch processes not seen for this many days are forgotten.
CARE_HEARTBEAT_KEEP_DAYS = env_int("CARE_HEARTBEAT_KEEP_DAYS", 7)
# /healthz fails when the oldest due message has waited longer than this.
CARE_HEALTH_DUE_AGE_SECONDS = env_int("CARE_HEALTH_DUE_AGE_SECONDS", 3600)
# Alerts: a survey this many minutes past its ticket's resolution and not sent
# (quiet hours aside), watched for this many minutes after the resolution.
CARE_ALERT_SURVEY_LATE_MINUTES = env_int("CARE_ALERT_SURVEY_LATE_MINUTES", 45)
CARE_ALERT_SURVEY_WATCH_MINUTES = env_int("CARE_ALERT_SURVEY_WATCH_MINUTES", 180)
# A channel failing more than this share of its tries in the last hour, once
# it made at least CARE_ALERT_FAILURE_MIN_ATTEMPTS.
CARE_ALERT_FAILURE_RATE = env_float("CARE_ALERT_FAILURE_RATE", 0.2)
CARE_ALERT_FAILURE_MIN_ATTEMPTS = env_int("CARE_ALERT_FAILURE_MIN_ATTEMPTS", 20)
# Who is mailed: the active members of this group with an email, and these addresses.
CARE_ALERT_GROUP = env_str("CARE_ALERT_GROUP", "managers")
CARE_ALERT_EMAILS = env_list("CARE_ALERT_EMAILS", [])
# Alerts are evaluated at most this often across all processes.
CARE_ALERTS_EVERY_SECONDS = env_int("CARE_ALERTS_EVERY_SECONDS", 60)
# /metrics: a bearer token, or client addresses/networks allowed without one.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])

# --- Channels -------------------------------------------------------------------
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_MESSAGING_SERVICE_SID = env_str("TWILIO_MESSAGING_SERVICE_SID")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL")
# Seconds the Twilio client waits for an answer (its own default is forever).
TWILIO_TIMEOUT = env_float("TWILIO_TIMEOUT", 10.0)
# An ambiguous send (timeout/5xx) is looked up at Twilio after this many seconds
# unless a status callback settled it first.
TWILIO_RECONCILE_AFTER = env_int("TWILIO_RECONCILE_AFTER", 120)
# ValidityPeriod (seconds) for time-sensitive SMS without their own expiry (surveys).
SMS_TIME_SENSITIVE_VALIDITY = env_int("SMS_TIME_SENSITIVE_VALIDITY", 3600)
# SMS per second per sender, shared by all workers (0: no limit). Long code 1,
# toll-free 3, short code ~100, a messaging service its pool's sum.
SMS_RATE_PER_SECOND = env_float("SMS_RATE_PER_SECOND", 1.0)
# The budget is counted per window: rate x window messages may leave in a burst,
# Twilio queues them and paces them out.
SMS_RATE_WINDOW_SECONDS = env_int("SMS_RATE_WINDOW_SECONDS", 60)
# Marketing SMS longer than this many segments cannot be activated.
SMS_MAX_SEGMENTS = env_int("SMS_MAX_SEGMENTS", 4)
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "care.delivery.channels.twilio_sms.TwilioBackend"
    if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN
    else "care.delivery.channels.sms.ConsoleBackend",
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# For Django's file-based backend (`make run` uses it so the terminal stays readable).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "sent-mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Optional mailto target added to the List-Unsubscribe header of marketing email.
UNSUBSCRIBE_MAILTO = env_str("UNSUBSCRIBE_MAILTO")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Proactive Care <care@localhost>")
# django-anymail: an ESP instead of SMTP with EMAIL_BACKEND (e.g.
# anymail.backends.postmark.EmailBackend) and its ANYMAIL_* variables, e.g.
# ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_POSTMARK_API_URL and
# ANYMAIL_WEBHOOK_SECRET ("user:password" for the tracking webhook's basic
# auth; without it the webhook refuses everything). docs/delivery.md.
ANYMAIL = env_prefixed("ANYMAIL_")

# --- Security ------------------------------------------------------------------
# With DEBUG off, a missing or development SECRET_KEY stops the web server
# (config/wsgi.py, config/security.py). Behind an HTTPS SITE_URL the flags
# below default to the safe side; each can be set from the environment
# (docs/operations.md lists a set that passes `manage.py check --deploy`).
HTTPS = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS and not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
# Both reach beyond this site (every subdomain; the browsers' preload list):
# opt in explicitly.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https" behind a proxy that terminates TLS and sets it.
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The audit trail's "from where": REMOTE_ADDR, or behind a proxy the header it
# sets, as a META key (e.g. HTTP_X_FORWARDED_FOR; its last address is used).
AUDIT_IP_HEADER = env_str("AUDIT_IP_HEADER", "")

# One line per record; JSON with LOG_FORMAT=json (config/logging.py, docs/operations.md).
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
