from django.core.management import call_command
from django.core.management.base import BaseCommand

from suthra.demo.users import ensure_demo_users


class Command(BaseCommand):
    help = "First run: generate demo data (about 2,000 units) and one demo login per role."

    def handle(self, *args, **opts) -> None:
        call_command("generate_data", "--units", "2000", "--months", "12", "--if-empty")
        ensure_demo_users()
