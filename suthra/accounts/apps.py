from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "suthra.accounts"
    label = "accounts"
