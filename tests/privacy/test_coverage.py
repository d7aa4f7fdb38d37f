from django.apps import apps
from django.db import models

from care.privacy import CUSTOMER_LINKS
from crm.models import Customer


def links_to_customer() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and (field.many_to_one or field.one_to_one)
                and field.related_model is Customer
            ):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_it_fails_when_a_model_links_to_customer_without_export_and_erasure():
    missing = links_to_customer() - set(CUSTOMER_LINKS)
    assert missing == set(), (
        f"{sorted(missing)} point at crm.Customer: add them to CUSTOMER_LINKS in "
        "care/privacy/scope.py and to customer_export / docs/privacy.md"
    )


def test_it_lists_no_link_that_does_not_exist():
    assert set(CUSTOMER_LINKS) - links_to_customer() == set()


def test_links_marked_cascade_really_cascade_and_the_others_are_deleted_first():
    for label, action in CUSTOMER_LINKS.items():
        app_label, model_name, name = label.split(".")
        field = apps.get_model(app_label, model_name)._meta.get_field(name)
        cascades = field.remote_field.on_delete is models.CASCADE
        assert cascades == (action == "cascade"), label


def test_every_link_has_an_export_section(rich):
    from care.privacy import customer_export

    data = customer_export(customer=rich)
    section_of = {
        "crm.Consent": "consents", "crm.Order": "orders",
        "crm.BrowseEvent": "browse_events", "crm.Asset": "assets",
        "care.Ticket": "tickets", "care.Message": "messages", "care.Coupon": "coupons",
        "care.Survey": "surveys", "care.RecoveryCase": "recovery_cases",
        "care.InboundMessage": "inbound_messages", "segmentation.CustomerRfm": "rfm",
        "segmentation.SegmentTransition": "segment_history",
    }
    for label in CUSTOMER_LINKS:
        model_label = label.rsplit(".", 1)[0]
        assert data.get(section_of.get(model_label, "?")), model_label
