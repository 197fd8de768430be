from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "suthra.units"
    label = "units"
