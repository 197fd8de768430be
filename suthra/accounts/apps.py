from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "suthra.accounts"
    label = "accounts"

    def ready(self) -> None:
        from suthra.accounts import signals  # noqa: F401  (connects the audit handlers)
