from django.apps import AppConfig


class PwaConfig(AppConfig):
    name = "suthra.pwa"
    label = "pwa"
    verbose_name = "Phone app and language"
