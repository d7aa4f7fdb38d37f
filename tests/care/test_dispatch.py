import datetime as dt
import os
import signal
import threading
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils.module_loading import import_string

from care.delivery.channels import (
    OLD_PATHS,
    ChannelBackend,
    ChannelError,
    backend_path,
    sms,
)
from care.delivery.dispatch import (
    RELEASED,
    dispatch_loop,
    messages_claim,
    messages_dispatch,
)
from care.models import (
    Coupon,
    Heartbeat,
    Incident,
    IncidentKind,
    Message,
    MessageStatus,
    Reason,
)
from tests.factories import (
    MessageFactory,
    OfferFactory,
    TicketFactory,
    campaign_with_templates,
    consent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def planned(
    purpose="marketing", channel="sms", granted=True, **campaign_kwargs
) -> Message:
    campaign = campaign_with_templates(purpose=purpose, **campaign_kwargs)
    message = MessageFactory(campaign=campaign, channel=channel)
    consent(message.customer, channel, purpose, granted)
    return message


def status_of(message: Message) -> tuple[str, str]:
    message.refresh_from_db()
    return message.status, message.reason


def test_it_sends_a_due_message_and_records_the_provider_id(sms_outbox):
    message = planned()
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.provider_id.startswith("locmem-")
    assert message.attempts == 1 and message.sent_at is not None
    assert [m.pk for m in sms_outbox] == [message.pk]


def test_it_renders_in_the_customers_language_with_the_opt_out_text(sms_outbox):
    message = planned()
    messages_dispatch()
    message.refresh_from_db()
    assert message.body == f"您好 {message.customer.name} 回复TD退订"


def test_it_adds_no_opt_out_text_to_service_messages():
    message = planned(purpose="service")
    message.customer.locale = "en"
    message.customer.save()
    messages_dispatch()
    message.refresh_from_db()
    assert message.body == f"Hi {message.customer.name}"


def test_it_sends_email_through_djangos_email_framework():
    message = planned(channel="email")
    messages_dispatch()
    assert status_of(message) == ("sent", "")
    assert mail.outbox[0].to == [message.customer.email]
    assert mail.outbox[0].subject == f"您好 {message.customer.name}"


def test_it_skips_customers_without_consent(sms_outbox):
    message = planned(granted=False)
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.NO_CONSENT)
    assert sms_outbox == []


def test_it_checks_consent_at_send_time_with_the_latest_decision_winning(morning):
    message = planned()
    consent(message.customer, granted=False, at=MORNING + dt.timedelta(seconds=1))
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.NO_CONSENT)


def test_it_skips_a_message_whose_customer_has_no_address():
    message = planned()
    message.customer.phone = ""
    message.customer.save()
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.NO_ADDRESS)


def test_it_defers_during_quiet_hours_to_the_end_of_the_window(morning, sms_outbox):
    message = planned()
    morning.move_to(dt.datetime(2026, 11, 23, 22, 30, tzinfo=SHANGHAI))
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason) == ("deferred", Reason.QUIET_HOURS)
    assert message.send_after == dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI)
    morning.move_to(dt.datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
    messages_dispatch()
    assert status_of(message) == ("sent", "")


def test_it_uses_the_customers_own_time_zone_for_quiet_hours(morning):
    message = planned()
    message.customer.time_zone = "America/New_York"  # 21:00 there
    message.customer.save()
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "deferred"
    assert message.send_after == dt.datetime(
        2026, 11, 23, 8, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_it_uses_time_zone_setting_for_customers_without_one(settings):
    settings.TIME_ZONE = "America/New_York"
    message = planned()
    message.customer.time_zone = ""
    message.customer.save()
    messages_dispatch()
    assert status_of(message) == ("deferred", Reason.QUIET_HOURS)


def _sent_marketing(customer, days_ago: int) -> None:
    sent_at = MORNING - dt.timedelta(days=days_ago)
    MessageFactory(
        customer=customer,
        campaign=campaign_with_templates(),
        status=MessageStatus.SENT,
        sent_at=sent_at,
    )


def test_it_caps_marketing_at_two_in_seven_days_across_channels():
    message = planned(channel="email")
    _sent_marketing(message.customer, 1)
    _sent_marketing(message.customer, 6)
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.FREQUENCY_CAP)


def test_it_forgets_marketing_older_than_the_cap_window():
    message = planned()
    _sent_marketing(message.customer, 1)
    _sent_marketing(message.customer, 8)
    messages_dispatch()
    assert status_of(message) == ("sent", "")


def test_it_exempts_service_messages_from_the_cap():
    message = planned(purpose="service")
    _sent_marketing(message.customer, 1)
    _sent_marketing(message.customer, 2)
    messages_dispatch()
    assert status_of(message) == ("sent", "")


def test_it_counts_messages_sent_earlier_in_the_same_batch_against_the_cap():
    first = planned()
    customer = first.customer
    others = [
        MessageFactory(campaign=first.campaign, customer=customer) for _ in range(2)
    ]
    messages_dispatch()
    statuses = sorted(status_of(m)[0] for m in [first, *others])
    assert statuses == ["sent", "sent", "skipped"]


def test_it_holds_marketing_back_while_a_ticket_is_open():
    message = planned()
    TicketFactory(customer=message.customer)
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.CARE_FIRST)


def test_it_still_sends_service_messages_while_a_ticket_is_open():
    message = planned(purpose="service")
    TicketFactory(customer=message.customer)
    messages_dispatch()
    assert status_of(message) == ("sent", "")


def test_it_records_the_holdout_and_sends_nothing(sms_outbox):
    message = planned(holdout_percent=100)
    messages_dispatch()
    assert status_of(message) == ("held_out", "")
    assert sms_outbox == []


def test_it_defaults_the_holdout_to_ten_percent_for_marketing_and_zero_for_service():
    marketing = campaign_with_templates(purpose="marketing", holdout_percent=None)
    service = campaign_with_templates(purpose="service", holdout_percent=None)
    assert (marketing.holdout_share, service.holdout_share) == (0.10, 0.0)


def test_it_leaves_messages_of_a_paused_campaign_waiting():
    message = planned(status="paused")
    messages_dispatch()
    assert status_of(message) == ("planned", "")


def test_it_skips_with_a_reason_when_no_template_exists():
    message = planned()
    message.campaign.templates.all().delete()
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.NO_TEMPLATE)


def test_it_skips_with_a_reason_when_a_template_does_not_render():
    message = planned()
    message.campaign.templates.update(body="{% if %}")
    messages_dispatch()
    assert status_of(message) == ("skipped", Reason.RENDER_ERROR)


class FlakyBackend(sms.LocmemBackend):
    permanent = False

    def send(self, message):
        raise ChannelError("gateway timeout", permanent=self.permanent)


class RefusingBackend(FlakyBackend):
    permanent = True


def test_it_retries_a_transient_error_with_backoff(settings):
    settings.SMS_BACKEND = "tests.care.test_dispatch.FlakyBackend"
    message = planned()
    messages_dispatch()
    message.refresh_from_db()
    assert (message.status, message.reason, message.attempts) == (
        "deferred",
        "transient_error",
        1,
    )
    assert message.send_after == MORNING + dt.timedelta(minutes=1)
    assert message.last_error == "gateway timeout"


def test_it_gives_up_after_max_attempts(settings, morning):
    settings.SMS_BACKEND = "tests.care.test_dispatch.FlakyBackend"
    settings.CARE_DISPATCH_MAX_ATTEMPTS = 2
    message = planned()
    messages_dispatch()
    morning.shift(dt.timedelta(minutes=5))
    messages_dispatch()
    assert status_of(message) == ("failed", Reason.MAX_ATTEMPTS)


def test_it_fails_a_permanent_error_at_once(settings):
    settings.SMS_BACKEND = "tests.care.test_dispatch.RefusingBackend"
    message = planned()
    messages_dispatch()
    assert status_of(message) == ("failed", Reason.PERMANENT_ERROR)


def test_it_issues_a_coupon_only_when_the_send_succeeds(settings):
    offer = OfferFactory()
    message = planned(offer=offer)
    message.campaign.templates.update(body="Code {{ coupon_code }}")
    messages_dispatch()
    message.refresh_from_db()
    coupon = Coupon.objects.get(message=message)
    assert message.body.startswith(f"Code {coupon.code}") and coupon.code.startswith(
        "BD"
    )


def test_it_issues_no_coupon_when_the_send_fails(settings):
    settings.SMS_BACKEND = "tests.care.test_dispatch.RefusingBackend"
    message = planned(offer=OfferFactory())
    messages_dispatch()
    assert not Coupon.objects.exists()
    message.refresh_from_db()
    assert message.coupon_code == ""


def test_two_claims_never_take_the_same_row():
    for _ in range(5):
        planned()
    _, first = messages_claim(now=MORNING, limit=3)
    _, second = messages_claim(now=MORNING, limit=10)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)


def test_a_worker_killed_before_sending_is_resent_once_after_the_lease(
    morning, sms_outbox
):
    message = planned()
    messages_claim(now=MORNING, limit=10)  # ... and the worker dies here
    messages_dispatch()
    assert status_of(message)[0] == "sending"  # still within the lease: left alone
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert status_of(message) == ("sent", "")
    assert len(sms_outbox) == 1


class DyingBackend(sms.LocmemBackend):
    def send(self, message):
        super().send(message)
        raise SystemExit("killed after the provider took the message")


def test_a_worker_killed_between_send_and_record_never_sends_twice(morning, sms_outbox):
    message = planned()
    _, ids = messages_claim(now=MORNING, limit=10)
    Message.objects.filter(pk__in=ids).update(attempted_at=MORNING)
    sms.LocmemBackend().send(
        Message.objects.get(pk=ids[0])
    )  # the provider takes it; then kill -9
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert status_of(message)[0] == "sent"  # the channel confirmed it went
    assert len(sms_outbox) == 1


def test_an_interrupted_worker_records_what_it_sent_before_stopping(
    settings, morning, sms_outbox
):
    settings.SMS_BACKEND = "tests.care.test_dispatch.DyingBackend"
    settings.DISPATCH_CONCURRENCY = 1  # the process itself dies mid-call
    message = planned()
    with pytest.raises(SystemExit):
        messages_dispatch()
    settings.SMS_BACKEND = "care.delivery.channels.sms.LocmemBackend"
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert status_of(message)[0] == "sent"
    assert len(sms_outbox) == 1


def test_a_send_thread_interrupted_mid_call_leaves_its_message_in_doubt(
    settings, morning, sms_outbox
):
    settings.SMS_BACKEND = "tests.care.test_dispatch.DyingBackend"
    settings.DISPATCH_CONCURRENCY = 4
    message = planned()
    assert messages_dispatch().counts == {"unknown": 1}  # never put back blindly
    settings.SMS_BACKEND = "care.delivery.channels.sms.LocmemBackend"
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert status_of(message)[0] == "sent"
    assert len(sms_outbox) == 1


def test_a_stale_claim_the_channel_cannot_confirm_needs_reconciliation(
    settings, morning
):
    settings.SMS_BACKEND = "care.delivery.channels.sms.ConsoleBackend"
    message = planned()
    messages_claim(now=MORNING, limit=10)
    Message.objects.filter(pk=message.pk).update(
        attempted_at=MORNING
    )  # tried, then killed
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    assert status_of(message) == ("unknown", Reason.LEASE_EXPIRED)


def test_claimed_rows_a_killed_worker_never_tried_are_queued_again(settings, morning):
    settings.SMS_BACKEND = (
        "care.delivery.channels.sms.ConsoleBackend"  # cannot confirm anything
    )
    message = planned()
    messages_claim(now=MORNING, limit=10)  # killed before trying any
    morning.shift(dt.timedelta(minutes=11))
    messages_dispatch()
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1


def test_it_stops_claiming_when_the_time_budget_is_spent(settings):
    settings.CARE_DISPATCH_TIME_BUDGET = 0
    message = planned()
    messages_dispatch()
    assert status_of(message) == ("planned", "")


def test_an_sms_backend_named_by_its_old_dotted_path_still_sends(settings, sms_outbox):
    settings.SMS_BACKEND = "care.channels.sms.LocmemBackend"
    message = planned()
    messages_dispatch()
    assert status_of(message)[0] == "sent"
    assert [m.pk for m in sms_outbox] == [message.pk]


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_every_old_sms_backend_path_resolves_to_a_backend_class(old):
    backend = import_string(backend_path(old))
    assert issubclass(backend, ChannelBackend)
    assert backend.__name__ == old.rsplit(".", 1)[1]


stop_loop = threading.Event()


class StoppingBackend(sms.LocmemBackend):
    """Sends, then asks the dispatch loop to stop."""

    def send(self, message):
        provider_id = super().send(message)
        stop_loop.set()
        return provider_id


class SignallingBackend(sms.LocmemBackend):
    """Sends, then SIGTERMs this very process, as an operator stopping a sender."""

    def send(self, message):
        provider_id = super().send(message)
        os.kill(os.getpid(), signal.SIGTERM)
        return provider_id


both_in_flight = threading.Barrier(2, timeout=10)


class StoppingTogetherBackend(sms.LocmemBackend):
    """Two sends reach the provider at once, then the loop is asked to stop."""

    def send(self, message):
        both_in_flight.wait()
        provider_id = super().send(message)
        stop_loop.set()
        return provider_id


def three_due() -> list[Message]:
    first = planned(purpose="service")
    others = [MessageFactory(campaign=first.campaign) for _ in range(2)]
    for message in others:
        consent(message.customer, "sms", "service")
    return [first, *others]


def test_the_loop_stopped_mid_batch_records_its_send_and_puts_back_the_rest(
    settings, sms_outbox
):
    settings.SMS_BACKEND = "tests.care.test_dispatch.StoppingBackend"
    settings.DISPATCH_CONCURRENCY = 1  # one request in flight at a time
    stop_loop.clear()
    three_due()
    cycles = []
    result = dispatch_loop(stop=stop_loop, on_cycle=cycles.append)
    assert result.counts == {"sent": 1, RELEASED: 2}
    assert len(sms_outbox) == 1 and len(cycles) == 1
    waiting = Message.objects.exclude(status="sent")
    assert [(m.status, m.claimed_by, m.attempts) for m in waiting] == [
        ("planned", "", 0)
    ] * 2


def test_the_loop_stopped_records_every_request_in_flight_and_puts_back_the_rest(
    settings, sms_outbox
):
    settings.SMS_BACKEND = "tests.care.test_dispatch.StoppingTogetherBackend"
    settings.DISPATCH_CONCURRENCY = 2
    stop_loop.clear()
    both_in_flight.reset()
    three_due(), three_due()
    result = dispatch_loop(stop=stop_loop)
    assert result.counts == {"sent": 2, RELEASED: 4}
    assert len(sms_outbox) == 2
    sent = Message.objects.filter(status="sent", provider_id__startswith="locmem-")
    assert sent.count() == 2
    waiting = Message.objects.exclude(status="sent")
    assert {(m.status, m.claimed_by, m.attempts) for m in waiting} == {
        ("planned", "", 0)
    }


def test_the_loop_command_stops_on_sigterm_beats_and_raises_a_stalled_scheduler(
    settings, sms_outbox
):
    settings.SMS_BACKEND = "tests.care.test_dispatch.SignallingBackend"
    settings.DISPATCH_CONCURRENCY = 1
    three_due()
    stale = MORNING - dt.timedelta(minutes=30)
    Heartbeat.objects.create(name="care-sweep", started_at=stale, finished_at=stale)
    handler = signal.getsignal(signal.SIGTERM)
    out = StringIO()
    call_command("dispatch", "--loop", "--name", "dispatch@test", stdout=out)
    assert "sent: 1" in out.getvalue() and f"{RELEASED}: 2" in out.getvalue()
    beat = Heartbeat.objects.get(name="dispatch@test")
    assert (beat.job, beat.summary["sent"], beat.summary["claims"]) == (
        "dispatch",
        1,
        1,
    )
    assert Incident.objects.filter(
        kind=IncidentKind.SCHEDULER_LATE, closed_at__isnull=True
    ).exists()
    assert signal.getsignal(signal.SIGTERM) is handler  # given back


def test_a_worker_past_half_its_lease_sends_nothing_more_and_puts_rows_back(
    settings, sms_outbox
):
    settings.CARE_DISPATCH_LEASE_SECONDS = 0  # already past half of it
    message = planned()
    result = messages_dispatch()
    assert result.counts == {RELEASED: 1} and sms_outbox == []
    assert status_of(message) == ("planned", "")
