from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "suthra.reports"
    label = "reports"
