"""A marketer's campaign from an empty form to approval, in a headless Chromium.

The marketer is a staff user in the `marketer` role (not a superuser). They
build a birthday campaign for Champions without typing JSON, preview it as a
customer they search for in both languages, send a test SMS to their own
phone through the real twilio client (a local fake Twilio), and submit it; a
template with an unknown variable is refused. Screenshots go to
tests/artifacts/ (two are copied by hand into docs/img/ for the README).
"""

from pathlib import Path

import pytest
from django.utils import timezone

from care.models import Campaign, CampaignStatus
from care.service.staff import staff_add
from segmentation.models import CustomerRfm
from tests.admin.test_browser import CHROMIUM, chromium_page  # noqa: F401
from tests.delivery.conftest import fake_twilio  # noqa: F401
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MARKETER, PASSWORD = "mara", "a long passphrase 4 tests"
MY_PHONE = "+8613900001111"


def champions() -> None:
    """Three champions and one lost customer, scored."""
    people = [
        ("Ada Lovelace", "en", "champions"),
        ("王芳", "zh-hans", "champions"),
        ("Grace Hopper", "en", "champions"),
        ("Lost Larry", "en", "lost"),
    ]
    for name, locale, segment in people:
        customer = CustomerFactory(name=name, locale=locale)
        CustomerRfm.objects.create(
            customer=customer, segment=segment, scored_at=timezone.now()
        )


def shot(page, name: str, part: str = "") -> None:
    """The whole page, and the part the README shows (the editor and the studio)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if part:
        page.locator(part).screenshot(path=str(ARTIFACTS / f"{name}-part.png"))


@pytest.mark.django_db(transaction=True)
def test_a_marketer_builds_previews_tests_and_submits_a_campaign(
    live_server,
    roles,
    fake_twilio,  # noqa: F811
):
    staff_add(username=MARKETER, role="marketer", phone=MY_PHONE, password=PASSWORD)
    champions()
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        log_in(page, live_server.url)
        fill_the_empty_form(page, live_server.url)
        preview_as_a_customer(page)
        save_and_test_send(page)
        forecast_and_submit(page)
        unknown_variable_is_refused(page, live_server.url)
    campaign = Campaign.objects.get(name="Champions' birthday")
    assert campaign.status == CampaignStatus.AWAITING_APPROVAL
    assert not campaign.messages.filter(is_test=False).exists()  # the forecast wrote nothing
    [create] = fake_twilio.creates()
    assert create.form["To"] == MY_PHONE
    assert create.form["Body"].startswith("Happy birthday Ada")


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/care/campaign/add/")
    page.fill("#id_username", MARKETER)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#campaign_form")


def fill_the_empty_form(page, base_url: str) -> None:
    page.fill("#id_name", "Champions' birthday")
    page.select_option("#id_trigger", "birthday")
    # The trigger's own settings, with its default, before any save.
    assert page.locator("fieldset.studio-trigger-birthday").is_visible()
    assert page.locator("fieldset.studio-trigger-maintenance").is_hidden()
    assert page.input_value("#id_birthday__days_ahead") == "7"
    page.select_option("#id_purpose", "marketing")
    page.check("input[name=segments][value=champions]")
    # The count follows the choices: 3 champions of 4 customers.
    page.wait_for_function(
        "document.getElementById('studio-audience-count').textContent === '3'"
    )
    page.select_option("#id_channel_1", "sms")
    add_template(
        page,
        0,
        "en",
        "Happy birthday {{ customer.first_name }}! {{ occasion.days_ahead }} days to go.",
    )
    add_template(page, 1, "zh-hans", "{{ customer.name }}，生日快乐！")
    # The trigger's variables are listed beside the editor.
    assert (
        page.locator("#studio-variables code", has_text="occasion.birthday").count()
        == 1
    )


def add_template(page, n: int, locale: str, body: str) -> None:
    page.click("#templates-group .add-row a")
    page.select_option(f"#id_templates-{n}-channel", "sms")
    page.select_option(f"#id_templates-{n}-locale", locale)
    page.fill(f"#id_templates-{n}-body", body)


def preview_as_a_customer(page) -> None:
    page.fill("#studio-customer-search", "Ada")
    card = page.locator(".studio-card[data-locale=en] .studio-body")
    card.filter(has_text="Happy birthday Ada!").wait_for()
    zh = page.locator(".studio-card[data-locale=zh-hans]")
    zh.locator(".studio-body", has_text="Ada Lovelace，生日快乐！").wait_for()
    assert "UCS-2" in zh.locator(".studio-sms").inner_text()
    assert (
        "GSM-7" in page.locator(".studio-card[data-locale=en] .studio-sms").inner_text()
    )
    shot(page, "studio-preview", ".studio-split")


def save_and_test_send(page) -> None:
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.fill("#studio-customer-search", "Ada")
    page.locator(".studio-card[data-locale=en] .studio-body", has_text="Ada").wait_for()
    page.click(".studio-card[data-locale=en] .studio-test-me")
    page.locator("#studio-test-result", has_text=f"sent to {MY_PHONE}").wait_for()
    shot(page, "studio-test-send", ".studio-split")


def forecast_and_submit(page) -> None:
    """The change page's Forecast: the next 14 days, writing nothing; submit from there."""
    page.click("a[href$='/forecast/']")
    page.wait_for_url("**/forecast/")
    assert page.locator(".forecast-chart .bar").count() == 14
    shot(page, "studio-forecast")
    page.click("button[name=action][value=submit]")
    page.locator(".messagelist li").first.wait_for()
    shot(page, "studio-submitted")


def unknown_variable_is_refused(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/care/campaign/")
    page.click("#result_list a:text('Champions\\' birthday')")
    page.fill("#id_templates-0-body", "Happy birthday {{ customer.nmae }}")
    page.locator(
        ".studio-problem", has_text="unknown variable customer.nmae"
    ).first.wait_for()
    page.click("input[name=_continue]")
    page.locator(
        ".errorlist", has_text="line 1: unknown variable customer.nmae"
    ).wait_for()
    shot(page, "studio-refused", "#templates-group")
