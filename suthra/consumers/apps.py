from django.apps import AppConfig


class ConsumersConfig(AppConfig):
    """Reaching the consumer: printed bills (challans), defaulter notices, the public lookup."""

    name = "suthra.consumers"
    label = "consumers"

    def ready(self) -> None:
        # The unit page lists the notices served; units sits below consumers.
        from suthra.consumers.selectors import unit_notices
        from suthra.units import history

        history.register("notices", unit_notices)
