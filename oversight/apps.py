from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def working_time_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """OVERSIGHT_WORKING_DAYS and _HOURS are read at start-up, not at the first alert."""
    from oversight.rules import Thresholds

    try:
        Thresholds.from_settings()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="oversight.E001")]
    return []


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight: unusual activity for the data-protection office")

    def ready(self) -> None:
        from core.metrics import add_scrape_collector
        from oversight import metrics

        checks.register(working_time_check)
        add_scrape_collector(metrics.UnusualActivity())
