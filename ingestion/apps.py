from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestionConfig(AppConfig):
    name = "ingestion"
    verbose_name = _("Ingestion: encounters from LoRaWAN network servers")

    def ready(self) -> None:
        from core.metrics import add_scrape_collector
        from core.views import register_check
        from ingestion import metrics
        from ingestion.selectors import integration_activity

        def activity_check() -> dict:
            return {
                f"ingest:{a.integration}": {
                    "status": "warning" if a.silent else "ok",
                    "uplinks_last_5_min": a.last_5_min,
                    "usual_per_hour": a.usual_per_hour,
                    **({"problem": "silent in working hours"} if a.silent else {}),
                }
                for a in integration_activity()
            }

        register_check("ingest", activity_check)
        add_scrape_collector(metrics.IntegrationActivity())
