from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfserviceConfig(AppConfig):
    name = "selfservice"
    verbose_name = _("Self-service: my data and appointments")
