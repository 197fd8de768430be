from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "suthra.visits"
    label = "visits"
