from django.core.management.base import BaseCommand, CommandError, CommandParser

from suthra.demo.generator import generate
from suthra.units.models import SurveyUnit


class Command(BaseCommand):
    help = "Generate realistic demo/benchmark data: units in Punjab UCs with monthly bills."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--units", type=int, default=2000)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when units already exist (used by `make run`).",
        )

    def handle(self, *args, units: int, months: int, seed: int, if_empty: bool, **opts) -> None:
        if units < 1 or not 1 <= months <= 120:
            raise CommandError("--units must be ≥ 1 and --months between 1 and 120")
        if if_empty and SurveyUnit.objects.exists():
            self.stdout.write("Units already exist; no demo data generated.")
            return
        result = generate(units=units, months=months, seed=seed, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.units} units and {result.bills} bills in {result.seconds:.1f} s"
            )
        )
