import pytest
from django.core.exceptions import ValidationError

from care.models import Campaign
from care.outreach.validation import campaign_validate


def campaign(**kwargs) -> Campaign:
    fields = {
        "name": "C",
        "slug": "c",
        "trigger": "birthday",
        "purpose": "marketing",
        "channels": ["sms"],
        "audience": {},
        "params": {},
    }
    return Campaign(**{**fields, **kwargs})


def errors_of(candidate: Campaign) -> dict:
    with pytest.raises(ValidationError) as caught:
        campaign_validate(campaign=candidate)
    return caught.value.message_dict


@pytest.mark.django_db
def test_a_valid_campaign_passes():
    campaign_validate(
        campaign=campaign(
            params={"days_ahead": 5}, audience={"segments": ["champions"]}
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"params": {"days_ahead": -1}}, "params", "days_ahead must be a whole number"),
        ({"params": {"days": 3}}, "params", "Unknown setting days"),
        (
            {"trigger": "dated", "params": {"date": "2027-02-30"}},
            "params",
            "YYYY-MM-DD",
        ),
        ({"channels": ["fax"]}, "channels", "Channels must be distinct"),
        ({"channels": []}, "channels", "at least one channel"),
        (
            {"audience": {"segments": ["chmpions"]}},
            "audience",
            "Unknown segment chmpions",
        ),
        (
            {"audience": {"colour": ["red"]}},
            "audience",
            "Unknown audience filter colour",
        ),
        ({"audience": {"clusters": ["a"]}}, "audience", "Clusters are numbers"),
        ({"holdout_percent": 150}, "holdout_percent", "between 0 and 100"),
    ],
)
def test_it_refuses_bad_settings_with_a_message_naming_the_problem(kwargs, field, text):
    assert text in " ".join(errors_of(campaign(**kwargs))[field])
