from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "suthra.visits"
    label = "visits"

    def ready(self) -> None:
        # The unit page lists a unit's visits; units sits below visits and cannot import it.
        from suthra.units import history
        from suthra.visits.selectors import unit_visits

        history.register("visits", unit_visits)
