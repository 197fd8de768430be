from django.apps import AppConfig


class CashConfig(AppConfig):
    name = "suthra.cash"
    label = "cash"
