from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Portal accounts and roles"

    def ready(self) -> None:
        from accounts import receivers, schema  # noqa: F401  (connect receiver, register schema)
