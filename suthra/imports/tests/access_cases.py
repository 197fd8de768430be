from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from suthra.imports.models import ImportBatch
from suthra.testing.access import Case


def _batch(world):
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.BILLS,
        status=ImportBatch.Status.PREVIEW,
        created_by=world.manager,
        file_name="bills.csv",
        sha256="0" * 64,
    )
    batch.error_report_key = default_storage.save(
        f"imports/{batch.pk}/errors.csv", ContentFile(b"row,column,value,reason\n")
    )
    batch.save()
    return {"pk": batch.pk}


# A batch is scoped like the rows it touches (its uploader's geography): this one, uploaded by the
# all-cities manager, is out of scope for the Multan manager (404). Commit/cancel/restart
# redirect with a message.
CASES = [
    Case("imports:list", "MANAGER"),
    Case("imports:detail", "MANAGER", obj=_batch),
    Case("imports:progress", "MANAGER", obj=_batch),
    Case("imports:errors", "MANAGER", obj=_batch),
    Case("imports:commit", "MANAGER", obj=_batch, method="post", ok=(302,)),
    Case("imports:cancel", "MANAGER", obj=_batch, method="post", ok=(302,)),
    Case("imports:restart", "MANAGER", obj=_batch, method="post", ok=(302,)),
]
