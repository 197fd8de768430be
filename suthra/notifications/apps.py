from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "suthra.notifications"
    label = "notifications"
