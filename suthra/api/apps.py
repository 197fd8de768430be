from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "suthra.api"
    label = "api"
    verbose_name = "JSON API"
