"""System checks that warn about a production-looking setup missing something."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs, **kwargs) -> list[Warning]:
    from config.settings import INSECURE_SECRET_KEY

    if settings.DEBUG:
        return []
    key = settings.SECRET_KEY
    if key == INSECURE_SECRET_KEY or key.startswith("django-insecure") or len(key) < 40:
        return [
            Warning(
                "SECRET_KEY is the built-in development key or too short while DEBUG is off.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="care.W001",
            )
        ]
    return []
