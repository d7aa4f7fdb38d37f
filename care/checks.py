"""System checks that refuse scheduler configurations causing duplicate runs."""

from django.conf import settings
from django.core.checks import Error, register


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
