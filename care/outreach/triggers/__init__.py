"""The trigger registry: kind -> who is due, its settings, and its hooks into the send path.

A new trigger kind is one module here (its due function, and SendHooks if it
needs any) and one entry below; see docs/architecture.md.
"""

from care.models import Campaign
from care.outreach.triggers.base import KindBatch, SendHooks, TriggerSpec, audience_q
from care.outreach.triggers.birthday import birthday_due
from care.outreach.triggers.browse import abandoned_browse_due
from care.outreach.triggers.dated import dated_due, dated_params_errors
from care.outreach.triggers.maintenance import maintenance_due
from care.outreach.triggers.new_product import new_product_due
from care.outreach.triggers.survey import SurveyHooks, survey_due
from care.outreach.triggers.win_back import win_back_due

TRIGGERS: dict[str, TriggerSpec] = {
    "birthday": TriggerSpec(birthday_due, {"days_ahead": 7}, ("days_ahead",)),
    "maintenance": TriggerSpec(maintenance_due, {"days_ahead": 3}, ("days_ahead",)),
    "abandoned_browse": TriggerSpec(
        abandoned_browse_due,
        {"min_days": 3, "window_days": 7, "cooldown_days": 30},
        ("min_days", "window_days", "cooldown_days"),
        ("min_days", "window_days"),
    ),
    "survey": TriggerSpec(
        survey_due,
        {"delay_minutes": 10, "within_minutes": 60},
        ("delay_minutes", "within_minutes"),
        ("within_minutes",),
        hooks=SurveyHooks(),
    ),
    "win_back": TriggerSpec(
        win_back_due,
        {"segments": ["at_risk", "cant_lose_them"], "lookback_days": 7},
        ("lookback_days",),
        ("lookback_days",),
    ),
    "new_product": TriggerSpec(
        new_product_due, {"lookback_days": 14}, ("lookback_days",), ("lookback_days",)
    ),
    "dated": TriggerSpec(
        dated_due, {"date": "", "time": "10:00"}, params_errors=dated_params_errors
    ),
    # Goodwill coupons are planned by care.service.goodwill when a manager
    # approves one (and follow-up surveys by care.service.recovery), never by
    # the sweep.
    "goodwill": TriggerSpec(lambda campaign, now, params: iter(()), {}),
}
NO_HOOKS = SendHooks()


def send_hooks(kind: str) -> SendHooks:
    """The kind's part in the send path (nothing special for an unknown kind)."""
    spec = TRIGGERS.get(kind)
    return spec.hooks if spec is not None else NO_HOOKS


def trigger_params(campaign: Campaign) -> dict:
    """The campaign's trigger settings over the trigger's defaults."""
    return {**TRIGGERS[campaign.trigger].defaults, **(campaign.params or {})}


__all__ = [
    "TRIGGERS",
    "KindBatch",
    "SendHooks",
    "TriggerSpec",
    "audience_q",
    "send_hooks",
    "trigger_params",
]
