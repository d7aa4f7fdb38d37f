from care.models import Message
from tests.factories import MessageFactory, campaign_with_templates, consent


def planned(
    purpose: str = "service", channel: str = "sms", granted: bool = True, **kwargs
) -> Message:
    """A due message with consent, in a campaign with templates in both languages."""
    campaign = campaign_with_templates(purpose=purpose, **kwargs)
    message = MessageFactory(campaign=campaign, channel=channel)
    consent(message.customer, channel, purpose, granted)
    return message


def reloaded(message: Message) -> Message:
    message.refresh_from_db()
    return message


def signed_post(client, path: str, params: dict, *, token: str = "test-auth-token"):
    """POST form params to a webhook with a valid X-Twilio-Signature."""
    from django.conf import settings
    from django.utils.encoding import iri_to_uri
    from twilio.request_validator import RequestValidator

    # Twilio signs the URL it requested, percent-encoded.
    signature = RequestValidator(token).compute_signature(
        settings.SITE_URL + iri_to_uri(path), params
    )
    from urllib.parse import urlencode

    # As Twilio sends it: application/x-www-form-urlencoded.
    return client.post(
        path,
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
