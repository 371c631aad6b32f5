from django.apps import AppConfig


class RoutingConfig(AppConfig):
    """Test-only models, one per database: the router is tested before real apps fill them."""

    name = "tests.routing"
    label = "routing_test"
