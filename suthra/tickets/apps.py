from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "suthra.tickets"
    label = "tickets"
