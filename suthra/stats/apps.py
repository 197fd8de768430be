from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "suthra.stats"
    label = "stats"
