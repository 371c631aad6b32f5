from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Test-only models, one per database, and the guard against queries to the wrong one."""

    name = "tests.routing"
    label = "routing_test"

    def ready(self) -> None:
        from tests.routing import guard

        guard.install()
