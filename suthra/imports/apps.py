from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "suthra.imports"
    label = "imports"
