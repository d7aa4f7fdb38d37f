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
