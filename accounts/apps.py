from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Portal accounts and roles")

    def ready(self) -> None:
        from accounts import receivers, schema  # noqa: F401  (connect receiver, register schema)
