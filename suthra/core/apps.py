from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "suthra.core"
    label = "core"
