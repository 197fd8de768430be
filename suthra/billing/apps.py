from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "suthra.billing"
    label = "billing"
