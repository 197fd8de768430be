import time

from django.core.management.base import BaseCommand

from suthra.stats.models import MonthlyStat, MonthlyTypeStat, UnitStat
from suthra.stats.services import stats_refresh


class Command(BaseCommand):
    help = "Recompute every dashboard summary (bills per month × UC, units per UC) from the bills."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        stats_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {MonthlyStat.objects.count()} monthly, "
                f"{MonthlyTypeStat.objects.count()} business-type and "
                f"{UnitStat.objects.count()} unit summaries in {time.monotonic() - started:.1f} s"
            )
        )
