"""A care agent's path through the real admin in a headless Chromium.

The agent is a staff user in the `care` role (not a superuser), as `add_staff`
makes them, logging in on the admin's login page.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from care.service.staff import staff_add
from tests.admin.conftest import give_history
from tests.factories import CustomerFactory

# The test makes its data before starting Playwright and touches no ORM while it
# runs: Playwright's sync API keeps an event loop (and greenlets) in this thread,
# which trips Django's async-safety check and, with DJANGO_ALLOW_ASYNC_UNSAFE,
# opens a second database connection that outlives the test.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium; "
        "scripts/test-deps.sh installs it when run as root)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the playwright package"
)


@contextmanager
def chromium_page() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(locale="en-US")
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()


AGENT, PASSWORD = "carla", "a long passphrase 4 tests"


@pytest.mark.django_db(transaction=True)
def test_it_finds_a_customer_by_phone_and_shows_their_whole_story(live_server, roles):
    staff_add(username=AGENT, role="care", password=PASSWORD)
    customer = CustomerFactory(name="王小明", phone="+8613800138000")
    give_history(customer, 2)
    CustomerFactory(name="李娜", phone="+8613900139000")
    with chromium_page() as page:
        search_and_open_story(page, live_server.url)


def search_and_open_story(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/crm/customer/")
    page.fill("#id_username", AGENT)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.fill("#searchbar", "138 0013 8000")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**/admin/crm/customer/?q=*")
    assert page.locator("#result_list tbody tr").count() == 1
    page.click("#result_list tbody tr a")

    page.wait_for_selector("#customer-story")
    for key in ("consent", "orders", "browsing", "assets", "tickets"):
        assert page.locator(f"#story-{key}").is_visible(), key
    assert page.locator("#story-orders li").count() == 4  # 2 orders x 2 lines
    # Care staff read the story; exporting and erasing are a manager's.
    assert page.locator("#story-privacy a").count() == 0
