from collections.abc import Sequence

from django.apps import AppConfig


def _refresh_units_of(uc_ids: Sequence[int]) -> None:
    from suthra.stats.services import stats_refresh

    stats_refresh(keys=[], units_of=list(uc_ids))


class StatsConfig(AppConfig):
    name = "suthra.stats"
    label = "stats"

    def ready(self) -> None:
        # The dashboard counts active units per UC: unit writes tell us (units sits below).
        from suthra.units import hooks

        hooks.on_units_changed(_refresh_units_of)
