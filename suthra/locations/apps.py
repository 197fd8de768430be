from django.apps import AppConfig


class LocationsConfig(AppConfig):
    name = "suthra.locations"
    label = "locations"
