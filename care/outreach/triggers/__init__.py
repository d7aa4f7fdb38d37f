"""The trigger registry: kind -> who is due, its settings, and its hooks into the send path.

A new trigger kind is one module here (its due function, and SendHooks if it
needs any) and one entry below; see docs/architecture.md.
"""

from care.content import variables as v
from care.content.variables import COMMON, KindContext, Variable
from care.models import Campaign
from care.outreach.triggers.base import KindBatch, SendHooks, TriggerSpec, audience_q
from care.outreach.triggers.birthday import birthday_source
from care.outreach.triggers.browse import abandoned_browse_due, browse_params_errors
from care.outreach.triggers.dated import dated_params_errors, dated_source
from care.outreach.triggers.maintenance import maintenance_due
from care.outreach.triggers.new_product import new_product_due
from care.outreach.triggers.survey import SurveyHooks, survey_due
from care.outreach.triggers.win_back import win_back_due

TRIGGERS: dict[str, TriggerSpec] = {
    "birthday": TriggerSpec(
        None,
        {"days_ahead": 7},
        ("days_ahead",),
        variables=(v.BIRTHDAY, v.DAYS_AHEAD),
        source=birthday_source,
    ),
    "maintenance": TriggerSpec(
        maintenance_due,
        {"days_ahead": 3},
        ("days_ahead",),
        variables=(v.ASSET_NAME, v.ASSET_KIND, v.DUE_ON, v.DAYS_AHEAD),
    ),
    "abandoned_browse": TriggerSpec(
        abandoned_browse_due,
        {"min_days": 3, "window_days": 7, "cooldown_days": 30},
        ("min_days", "window_days", "cooldown_days"),
        ("min_days", "window_days"),
        params_errors=browse_params_errors,
        variables=(v.PRODUCT_NAME, v.PRODUCT_CATEGORY, v.DAYS_VIEWED),
    ),
    "survey": TriggerSpec(
        survey_due,
        {"delay_minutes": 10, "within_minutes": 60},
        ("delay_minutes", "within_minutes"),
        ("within_minutes",),
        hooks=SurveyHooks(),
        variables=(v.TICKET_SUBJECT, v.SURVEY_URL, v.SURVEY_YESTERDAY),
    ),
    "win_back": TriggerSpec(
        win_back_due,
        {"segments": ["at_risk", "cant_lose_them"], "lookback_days": 7},
        ("lookback_days",),
        ("lookback_days",),
        variables=(v.FROM_SEGMENT, v.TO_SEGMENT),
    ),
    "new_product": TriggerSpec(
        new_product_due,
        {"lookback_days": 14},
        ("lookback_days",),
        ("lookback_days",),
        variables=(v.PRODUCT_NAME, v.PRODUCT_CATEGORY),
    ),
    "dated": TriggerSpec(
        None,
        {"date": "", "time": "10:00"},
        params_errors=dated_params_errors,
        source=dated_source,
    ),
    # Goodwill coupons are planned by care.service.goodwill when a manager
    # approves one (and follow-up surveys by care.service.recovery), never by
    # the sweep.
    "goodwill": TriggerSpec(
        lambda campaign, now, params: iter(()), {}, variables=(v.TICKET_SUBJECT,)
    ),
}
NO_HOOKS = SendHooks()


def send_hooks(kind: str) -> SendHooks:
    """The kind's part in the send path (nothing special for an unknown kind)."""
    spec = TRIGGERS.get(kind)
    return spec.hooks if spec is not None else NO_HOOKS


def variables_for(kind: str) -> list[Variable]:
    """Every variable a template of this kind can use: the common ones, then the kind's."""
    spec = TRIGGERS.get(kind)
    return [*COMMON, *(spec.variables if spec is not None else ())]


def kind_context(kind: str) -> KindContext:
    """What a real send of this kind gives its template (care.content.engine)."""
    allowed = frozenset(var.name for var in variables_for(kind))
    return KindContext(allowed, send_hooks(kind).context)


def kind_sample_context(kind: str) -> KindContext:
    """The same for previews and content checks: the variables' samples, then the
    kind's own sample values."""
    spec = TRIGGERS.get(kind)
    samples = {var.name: var.sample for var in (spec.variables if spec else ())}
    samples |= send_hooks(kind).sample_context()
    allowed = frozenset(var.name for var in variables_for(kind))
    return KindContext(allowed, lambda message: samples)


def trigger_params(campaign: Campaign) -> dict:
    """The campaign's trigger settings over the trigger's defaults."""
    return {**TRIGGERS[campaign.trigger].defaults, **(campaign.params or {})}


__all__ = [
    "TRIGGERS",
    "KindBatch",
    "SendHooks",
    "TriggerSpec",
    "audience_q",
    "kind_context",
    "kind_sample_context",
    "send_hooks",
    "trigger_params",
    "variables_for",
]
