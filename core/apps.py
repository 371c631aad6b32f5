from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Portal core"

    def ready(self) -> None:
        from core import metrics, receivers  # noqa: F401  (connect the signal receivers)

        metrics.register_collectors()
