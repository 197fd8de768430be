from django.apps import AppConfig


class CashConfig(AppConfig):
    name = "suthra.cash"
    label = "cash"

    def ready(self) -> None:
        # The unit page lists a unit's cash receipts; units sits below cash and cannot import it.
        from suthra.cash.selectors import unit_receipts
        from suthra.units import history

        history.register("cash", unit_receipts)
