import datetime as dt

from django.utils import timezone

from suthra.testing.access import Case


def _head_job(world):
    # A finished export of HEAD's: only HEAD may see or fetch it; everyone else gets 404.
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from suthra.reports.models import ExportJob

    key = default_storage.save("exports/matrix.csv", ContentFile(b"a,b\n1,2\n"))
    job = ExportJob.objects.create(
        requested_by=world.head,
        kind="units",
        format="csv",
        status=ExportJob.Status.DONE,
        file_key=key,
        file_name="units.csv",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    return {"token": job.token}


OWNER_ONLY = "only the requester (HEAD here) gets 200; everyone else 404"

CASES = [
    Case("reports:dashboard", "AGENT"),
    Case("reports:index", "SUPERVISOR"),
    Case("reports:collection", "SUPERVISOR"),
    Case("reports:aging", "SUPERVISOR"),
    Case("reports:defaulters", "SUPERVISOR"),
    Case("reports:consumers", "SUPERVISOR"),
    Case("reports:staff", "SUPERVISOR"),
    Case("reports:adjustments", "SUPERVISOR"),
    Case("reports:adjustments", "SUPERVISOR", data={"format": "csv"}, note="CSV download"),
    Case("reports:adjustments", "SUPERVISOR", data={"format": "xlsx"}, note="XLSX download"),
    # Out-of-scope ?city= / ?uc= filters (404) are tested in reports/tests/test_scope.py.
    Case("reports:export", "AGENT", data={"kind": "units"}),
    Case("reports:export", "AGENT", method="post", data={"kind": "units"}, ok=(302,)),
    Case(
        "reports:export_status",
        "AGENT",
        obj=_head_job,
        scoped=False,
        ok=(200, 404),
        note=OWNER_ONLY,
    ),
    Case(
        "reports:export_download",
        "AGENT",
        obj=_head_job,
        scoped=False,
        ok=(200, 404),
        note=OWNER_ONLY,
    ),
]
