from django.contrib import admin
from anymail.urls import urlpatterns as anymail_urls
from django.urls import URLPattern, include, path

from api.api import api
from care.delivery.clicks import tracked_link
from care.delivery.email_events import webhook_guard
from care.delivery.unsubscribe import unsubscribe
from care.delivery.webhooks import twilio_inbound, twilio_status
from care.operations.health import healthz
from care.operations.metrics import metrics
from care.operations.tallies import webhook_counted
from care.service.surveys.views import survey_page



def _guarded(pattern: URLPattern) -> URLPattern:
    view = webhook_counted("email_" + pattern.name)(webhook_guard(pattern.callback))
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


# django-anymail's tracking and inbound webhooks: /anymail/<esp>/tracking/ ...
email_webhooks = ([_guarded(p) for p in anymail_urls], "anymail")

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's set_language: the admin header's language switch posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("s/<str:token>", survey_page, name="survey"),
    path(
        "webhooks/twilio/status",
        webhook_counted("twilio_status")(twilio_status),
        name="twilio-status",
    ),
    path(
        "webhooks/twilio/inbound",
        webhook_counted("twilio_inbound")(twilio_inbound),
        name="twilio-inbound",
    ),
    path("anymail/", include(email_webhooks)),
    path("u/<str:token>", unsubscribe, name="unsubscribe"),
    path("c/<str:token>", tracked_link, name="tracked-link"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
]
