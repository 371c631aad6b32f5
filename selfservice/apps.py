from django.apps import AppConfig


class SelfserviceConfig(AppConfig):
    name = "selfservice"
    verbose_name = "Self-service: my data and appointments"
