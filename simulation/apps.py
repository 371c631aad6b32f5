from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """Not part of the service: realistic devices, bodies and demo data for `make run`, the
    benchmarks and the tests. Production may leave it out of INSTALLED_APPS."""

    name = "simulation"
    verbose_name = "Simulation and demo data"
