from django.urls import reverse


def test_it_speaks_chinese_to_a_chinese_browser(admin_client):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "站点管理" in response.text
    assert "客户" in response.text


def test_it_speaks_english_to_an_english_browser(admin_client):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Site administration" in response.text
    assert "Customers" in response.text


def test_it_labels_the_customer_story_in_chinese(admin_client):
    from tests.factories import CustomerFactory

    customer = CustomerFactory()
    response = admin_client.get(
        reverse("admin:crm_customer_change", args=[customer.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "同意记录" in response.text  # "Consent"
    assert "工单" in response.text  # "Tickets"


def test_the_index_links_the_daily_work_pages_in_both_languages(admin_client):
    english = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    chinese = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    for name in (
        "admin:care_recoverycase_mine",
        "admin:care_survey_reports",
        "admin:segmentation_rfmrun_overview",
    ):
        assert reverse(name) in english.content.decode()
    assert "Proactive Care" in english.content.decode()
    assert "主动关怀" in chinese.content.decode() and "日常工作" in chinese.content.decode()


def test_the_header_switches_the_admin_to_chinese_and_back(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="language-switch"' in page.text
    admin_client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/admin/"}
    )
    # The choice (a cookie) wins over the browser's language.
    chinese = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "站点管理" in chinese.text
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    english = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "Site administration" in english.text
