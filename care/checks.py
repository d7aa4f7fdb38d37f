"""System checks: scheduler set-ups that would run twice, Twilio set-ups that cannot work,
and SMS_BACKEND paths from before care's packages."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from care.delivery.channels import OLD_PATHS


@register()
def check_q_cluster(app_configs, **kwargs) -> list[Error]:
    engine = settings.DATABASES["default"]["ENGINE"]
    return q_cluster_errors(getattr(settings, "Q_CLUSTER", {}), engine)


def q_cluster_errors(q: dict, engine: str) -> list[Error]:
    errors = []
    timeout, retry = q.get("timeout"), q.get("retry")
    if timeout is not None and retry is not None and retry <= timeout:
        errors.append(
            Error(
                f"Q_CLUSTER retry ({retry}s) must be longer than timeout ({timeout}s): "
                "otherwise the broker hands a running task to a second worker.",
                hint="Set Q_RETRY above Q_TIMEOUT.",
                id="care.E001",
            )
        )
    if engine.endswith("sqlite3") and q.get("workers", 1) > 1:
        errors.append(
            Error(
                f"SQLite takes one writer at a time but Q_CLUSTER has {q['workers']} workers.",
                hint="Set Q_WORKERS=1, or use PostgreSQL (DATABASE_URL) for several workers.",
                id="care.E002",
            )
        )
    return errors


@register()
def check_sms_backend_path(app_configs, **kwargs) -> list[Warning]:
    return sms_backend_warnings(settings.SMS_BACKEND)


def sms_backend_warnings(path: str) -> list[Warning]:
    """An old dotted path still works (care.delivery.channels.OLD_PATHS), but say the new one."""
    if path not in OLD_PATHS:
        return []
    return [
        Warning(
            f"SMS_BACKEND names {path}, the path from before care's packages.",
            hint=f"It still works; set SMS_BACKEND={OLD_PATHS[path]} instead.",
            id="care.W104",
        )
    ]


@register()
def check_twilio(app_configs, **kwargs) -> list:
    return twilio_warnings(settings)


def twilio_warnings(conf) -> list:
    """Warn about a Twilio set-up that cannot send or cannot hear back."""
    if not conf.SMS_BACKEND.endswith("TwilioBackend"):
        return []
    warnings = []
    if not (conf.TWILIO_ACCOUNT_SID and conf.TWILIO_AUTH_TOKEN):
        warnings.append(
            Warning(
                "SMS_BACKEND is Twilio but TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN are empty.",
                hint="Set both, or choose another SMS_BACKEND.",
                id="care.W101",
            )
        )
    if not (conf.TWILIO_FROM_NUMBER or conf.TWILIO_MESSAGING_SERVICE_SID):
        warnings.append(
            Warning(
                "Twilio has no sender.",
                hint="Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.",
                id="care.W102",
            )
        )
    if "127.0.0.1" in conf.SITE_URL or "localhost" in conf.SITE_URL:
        warnings.append(
            Warning(
                f"SITE_URL ({conf.SITE_URL}) is local: Twilio cannot reach the status "
                "and inbound webhooks, and their signatures will not validate.",
                hint="Set SITE_URL to the public https address of this site.",
                id="care.W103",
            )
        )
    return warnings
