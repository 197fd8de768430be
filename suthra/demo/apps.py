from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "suthra.demo"
    label = "demo"
