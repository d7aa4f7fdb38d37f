"""Staff roles as auth groups with their permissions; approvals bound to content.

Roles (docs/admin.md has the table; `add_staff --role` puts people in them):
- care:     care staff: customers, tickets, recovery cases, surveys, reports.
- senior:   the same; its members also work the senior queue (a user's queues
            are their group names, care.service.recovery).
- marketer: campaigns, templates, offers, segment rules; cannot approve.
- managers: approve campaigns and goodwill, see everything the care team sees,
            the audit trail, export and erase customers, every queue.

Idempotent and additive: it creates missing groups and grants missing
permissions, and never takes one away (an operator's additions stay). A later
migration extends a role by calling `grant` with its own additions.

Campaigns already active or paused get the hash of their current content as
the approved one (the approval was given before it was bound to content).
This file is frozen history: `_fingerprint` is a copy of
care.outreach.approval.content_fingerprint as it was, kept in step by
tests/security/test_approval.py.
"""

import datetime as dt
import hashlib
import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

CARE = [
    "crm.view_customer",
    "crm.change_customer",
    "crm.view_consent",
    "crm.view_order",
    "crm.view_orderline",
    "crm.view_browseevent",
    "crm.view_asset",
    "crm.change_asset",
    "crm.view_product",
    "segmentation.view_customerrfm",
    "segmentation.view_segmenttransition",
    "care.view_ticket",
    "care.change_ticket",
    "care.view_recoverycase",
    "care.change_recoverycase",
    "care.view_recoverypolicy",
    "care.view_survey",
    "care.view_reports",
    "care.view_goodwill",
    "care.view_message",
    "care.view_coupon",
    "care.view_inboundmessage",
    "care.view_deliveryevent",
    "care.view_campaign",
]
MARKETER = [
    "care.view_campaign",
    "care.add_campaign",
    "care.change_campaign",
    "care.view_messagetemplate",
    "care.add_messagetemplate",
    "care.change_messagetemplate",
    "care.delete_messagetemplate",
    "care.view_offer",
    "care.add_offer",
    "care.change_offer",
    "segmentation.view_rfmrun",
    "segmentation.view_rfmcluster",
    "segmentation.view_segmentrule",
    "segmentation.add_segmentrule",
    "segmentation.change_segmentrule",
    "segmentation.delete_segmentrule",
    "crm.view_product",
]
MANAGER = CARE + [
    "care.approve_campaign",
    "care.view_messagetemplate",
    "care.view_offer",
    "care.approve_goodwill",
    "care.work_all_queues",
    "care.change_recoverypolicy",
    "care.export_customer",
    "care.erase_customer",
    "care.view_erasurerecord",
    "audit.view_auditentry",
    "segmentation.view_rfmrun",
    "segmentation.view_rfmcluster",
    "segmentation.view_segmentrule",
]
ROLES = {"care": CARE, "senior": CARE, "marketer": MARKETER, "managers": MANAGER}


def _ensure_permissions(apps, using: str) -> None:
    """Permissions are made after migrations (post_migrate); grants need them now."""
    for app_config in apps.get_app_configs():
        module = getattr(app_config, "models_module", None)
        app_config.models_module = module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = module


def grant(apps, roles: dict[str, list[str]], using: str = "default") -> None:
    """Create the groups and give them the permissions (adds, never removes)."""
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, labels in roles.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for label in labels:
            app_label, codename = label.split(".")
            permission = Permission.objects.using(using).get(
                content_type__app_label=app_label, codename=codename
            )
            group.permissions.add(permission)


def roles_sync(apps, using: str = "default") -> None:
    grant(apps, ROLES, using)


def _instant(value):
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _fingerprint(campaign, templates, offer) -> dict:
    parts = ("channel", "locale", "subject", "body", "html_body")
    offer_parts = ("name", "description", "code_prefix", "valid_days")
    return {
        "trigger": campaign.trigger,
        "params": campaign.params,
        "purpose": campaign.purpose,
        "audience": campaign.audience,
        "channels": campaign.channels,
        "holdout_percent": campaign.holdout_percent,
        "starts_at": _instant(campaign.starts_at),
        "ends_at": _instant(campaign.ends_at),
        "offer": {k: getattr(offer, k) for k in offer_parts} if offer else None,
        "templates": sorted([getattr(t, p) for p in parts] for t in templates),
    }


def _hash(fingerprint: dict) -> str:
    text = json.dumps(
        fingerprint, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(f"v1:{text}".encode()).hexdigest()


def approvals_bind(apps, schema_editor) -> None:
    Campaign = apps.get_model("care", "Campaign")
    MessageTemplate = apps.get_model("care", "MessageTemplate")
    running = Campaign.objects.filter(status__in=["active", "paused"], approved_hash="")
    for campaign in running.select_related("offer"):
        templates = MessageTemplate.objects.filter(campaign_id=campaign.pk)
        campaign.approved_hash = _hash(
            _fingerprint(campaign, templates, campaign.offer)
        )
        campaign.save(update_fields=["approved_hash"])


def forwards(apps, schema_editor) -> None:
    roles_sync(apps, schema_editor.connection.alias)
    approvals_bind(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("crm", "0002_customer_phone_unusable"),
        ("segmentation", "0003_run_without_constraint"),
        ("care", "0009_security_schema"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
