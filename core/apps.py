from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Portal core")

    def ready(self) -> None:
        from core import metrics, receivers  # noqa: F401  (connect the signal receivers)

        metrics.register_collectors()
