import time

from django.core.management.base import BaseCommand

from suthra.stats.models import (
    MonthlyStat,
    MonthlyTypeStat,
    PaymentPatternStat,
    UnitFlowStat,
    UnitStat,
)
from suthra.stats.services import stats_refresh


class Command(BaseCommand):
    help = (
        "Recompute every summary of the dashboard and reports from the bills and units; "
        "archived months (archive_bills) keep their rows, having no bills to count."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        stats_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {MonthlyStat.objects.count()} monthly, "
                f"{MonthlyTypeStat.objects.count()} business-type, "
                f"{PaymentPatternStat.objects.count()} payment-pattern, "
                f"{UnitFlowStat.objects.count()} unit-flow and "
                f"{UnitStat.objects.count()} unit summaries in {time.monotonic() - started:.1f} s"
            )
        )
