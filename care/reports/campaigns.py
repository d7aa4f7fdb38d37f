"""A campaign's results page and CSV: the funnel, per day, per channel and language, uplift.

Reads through care.outreach.results (one query), then adds up with plain
functions and compares with the holdout through care.reports.uplift.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from care.models import Campaign
from care.outreach.results import Funnel, Recipient, campaign_recipients, funnel_of, funnels_by
from care.reports.charts import series_chart
from care.reports.uplift import Moments, Uplift, amount_sentence, points_sentence, uplift
from crm.models import Order

CURRENCY = Order._meta.get_field("currency").default


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    funnel: Funnel
    by_day: dict[dt.date, Funnel]
    by_channel: dict[str, Funnel]
    by_locale: dict[str, Funnel]
    uplift: Uplift
    conversion_sentence: str
    revenue_sentence: str
    currency: str

    @property
    def chart(self) -> dict:
        days = list(self.by_day)
        return series_chart(
            [d.isoformat() for d in days],
            [
                (_("sent"), [self.by_day[d].sent for d in days]),
                (_("delivered"), [self.by_day[d].delivered for d in days]),
                (_("clicked"), [self.by_day[d].clicked for d in days]),
                (_("converted"), [self.by_day[d].converted for d in days]),
            ],
        )


def _moments(recipients: list[Recipient]) -> Moments:
    return Moments(
        sum(r.count for r in recipients),
        sum((r.revenue for r in recipients), Decimal(0)),
        sum((r.revenue_squares for r in recipients), Decimal(0)),
    )


def _uplift(recipients: list[Recipient]) -> Uplift:
    funnel = funnel_of(recipients)
    sent = _moments([r for r in recipients if r.went])
    held = _moments([r for r in recipients if r.status == "held_out"])
    return uplift(sent, funnel.converted, held, funnel.held_out_converted)


def campaign_report(campaign: Campaign) -> CampaignReport:
    recipients = campaign_recipients(campaign)
    result = _uplift(recipients)
    return CampaignReport(
        campaign=campaign,
        funnel=funnel_of(recipients),
        by_day=funnels_by([r for r in recipients if r.day], lambda r: r.day),
        by_channel=funnels_by(recipients, lambda r: r.channel),
        by_locale=funnels_by(recipients, lambda r: r.locale),
        uplift=result,
        conversion_sentence=points_sentence(result),
        revenue_sentence=amount_sentence(result, CURRENCY),
        currency=CURRENCY,
    )


CSV_HEADER = [
    "group", "key", "planned", "sent", "delivered", "clicked", "converted", "revenue",
    "held_out", "held_out_converted", "held_out_revenue", "failed", "skipped",
]


def _row(group: str, key: object, f: Funnel) -> list[str]:
    return [
        group, str(key), str(f.planned), str(f.sent), str(f.delivered), str(f.clicked),
        str(f.converted), f"{f.revenue:.2f}", str(f.held_out), str(f.held_out_converted),
        f"{f.held_out_revenue:.2f}", str(sum(f.failed.values())), str(sum(f.skipped.values())),
    ]


def report_csv_rows(report: CampaignReport) -> list[list[str]]:
    """The CSV: the whole funnel, then per channel, language and day, then reasons and uplift."""
    rows = [CSV_HEADER, _row("all", "", report.funnel)]
    for group, funnels in (
        ("channel", report.by_channel),
        ("language", report.by_locale),
        ("day", report.by_day),
    ):
        rows += [_row(group, key, funnel) for key, funnel in funnels.items()]
    rows += [["failed", reason, str(n)] for reason, n in report.funnel.failed.items()]
    rows += [["skipped", reason, str(n)] for reason, n in report.funnel.skipped.items()]
    for name, interval in (
        ("conversion_difference", report.uplift.conversion),
        ("revenue_per_recipient_difference", report.uplift.revenue),
    ):
        if interval is not None:
            rows.append(
                [name, "", f"{interval.estimate:.6f}", f"{interval.low:.6f}", f"{interval.high:.6f}"]
            )
    return rows


def funnel_sentence(funnel: Funnel) -> str:
    """One line for the campaign page: the funnel at a glance."""
    return _(
        "planned %(planned)d, sent %(sent)d, delivered %(delivered)d, clicked %(clicked)d, "
        "converted %(converted)d (holdout %(held_converted)d of %(held)d)"
    ) % {
        "planned": funnel.planned,
        "sent": funnel.sent,
        "delivered": funnel.delivered,
        "clicked": funnel.clicked,
        "converted": funnel.converted,
        "held_converted": funnel.held_out_converted,
        "held": funnel.held_out,
    }
