"""Export a list from the command line, exactly as the background export does, and report the
time and the process's peak memory (``docs/REPORTS.md`` quotes these figures)."""

import resource
import time

from django.core.exceptions import BadRequest
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from suthra.accounts.models import Staff
from suthra.core import exports
from suthra.reports import lists


class Command(BaseCommand):
    help = "Export a list (units, bills, payments, visits, tickets, audit) as CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=sorted(lists.KINDS))
        parser.add_argument("--format", default="csv", choices=lists.FORMATS)
        parser.add_argument("--as", dest="username", required=True, help="whose scope to use")
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--filter", action="append", default=[], help="e.g. month=2025-11")

    def handle(self, *args, kind: str, format: str, username: str, out: str, **opts) -> None:
        actor = Staff.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"no staff member {username!r}")
        data = QueryDict(mutable=True)
        data.update({"kind": kind, "format": format})
        for item in opts["filter"]:
            key, _, value = item.partition("=")
            data[key] = value
        try:
            spec, fmt, place, params = lists.parse(actor, data)
        except BadRequest as exc:
            raise CommandError(str(exc)) from exc
        if not actor.at_least(spec.minimum):
            raise CommandError(f"{username} may not export {kind}")
        started = time.monotonic()
        columns = spec.columns()
        counter = {"rows": 0}

        def progress(done: int) -> None:
            counter["rows"] = done

        rows = exports.iter_rows(spec.queryset(actor, place, params), columns, progress=progress)
        header = [c.header for c in columns]
        with open(out, "wb") as fh:
            if fmt == "xlsx":
                exports.write_xlsx(fh, header, rows, title=spec.title)
            else:
                exports.write_csv(fh, header, rows)
        seconds = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{counter['rows']} rows of {kind} as {fmt} in {seconds:.1f} s; "
            f"peak RSS {peak_mb:.0f} MB; {out}"
        )
