"""Small helpers for the billing tests: CSV files in memory and uploads through the views."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from suthra.imports.models import ImportBatch

BILL_HEADER = "psid,bill_month,survey_id_fk,monthly_fee,arrears,amount_due"


def csv_bytes(header: str, *rows: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def upload(client, data: bytes, *, kind: str = "BILLS", name: str = "bills.csv"):
    return client.post(
        reverse("imports:list"), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )


def upload_batch(client, data: bytes, **kwargs) -> ImportBatch:
    response = upload(client, data, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.order_by("-id").first()


def commit(client, batch: ImportBatch) -> ImportBatch:
    response = client.post(reverse("imports:commit", kwargs={"pk": batch.pk}))
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch
