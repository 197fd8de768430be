from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "suthra.tickets"
    label = "tickets"

    def ready(self) -> None:
        # The unit page lists a unit's tickets; units sits below tickets and cannot import it.
        from suthra.tickets.selectors import unit_tickets
        from suthra.units import history

        history.register("tickets", unit_tickets)
