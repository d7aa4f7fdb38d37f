from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from care import checks  # noqa: F401  (registers system checks)
        from care.delivery import email_events  # noqa: F401  (anymail's tracking signal)
