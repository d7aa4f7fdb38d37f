"""One function per trigger kind returning who is due. The registry maps kind -> spec."""

from care.outreach.triggers.base import Due, TriggerSpec, audience_q
from care.outreach.triggers.birthday import birthday_due
from care.outreach.triggers.browse import abandoned_browse_due
from care.outreach.triggers.dated import dated_due
from care.outreach.triggers.maintenance import maintenance_due
from care.outreach.triggers.new_product import new_product_due
from care.outreach.triggers.survey import survey_due
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
    "dated": TriggerSpec(dated_due, {"date": "", "time": "10:00"}),
    # Goodwill coupons are planned by care.service.goodwill when a manager approves one.
    "goodwill": TriggerSpec(lambda campaign, now, params: iter(()), {}),
}

__all__ = ["TRIGGERS", "Due", "TriggerSpec", "audience_q"]
