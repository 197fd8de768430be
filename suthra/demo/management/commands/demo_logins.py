from django.core.management.base import BaseCommand, CommandParser

from suthra.accounts.models import Staff
from suthra.demo.users import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the URL and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **opts) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Suthra Punjab billing is starting at {url}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        existing = set(Staff.objects.values_list("username", flat=True))
        for username, _full_name, role, city, ucs in DEMO_USERS:
            if username in existing:
                area = ", ".join(ucs) or city or "all cities"
                self.stdout.write(f"  {role.label:<12} {username:<11} ({area})")
        self.stdout.write("")
