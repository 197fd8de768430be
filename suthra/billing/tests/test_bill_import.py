"""Monthly bill import: preview, commit, idempotency, corrections and hostile files."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from suthra.billing.models import Bill, BillStatus
from suthra.billing.selectors import bill_import_batch
from suthra.billing.tests.helpers import BILL_HEADER, commit, csv_bytes, upload, upload_batch
from suthra.core.models import AuditEvent
from suthra.imports.models import ImportBatch, psid_runs
from suthra.testing import make_bill, make_unit

OCT, NOV = dt.date(2025, 10, 1), dt.date(2025, 11, 1)
P1, P2, P3 = 10020030040050001, 10020030040050002, 10020030040050003


@pytest.fixture
def units(world):
    return [make_unit(world.uc_a, survey_id=f"SP-A-{i}") for i in range(1, 4)]


def good_file(overrides=None):
    rows = {
        P1: f"{P1},Nov-2025,SP-A-1,300,0,300",
        P2: f"{P2},Nov-2025,SP-A-2,300,600,900",
        P3: f"{P3},Nov-2025,SP-A-3,1000,0,1000",
    }
    rows.update(overrides or {})
    return csv_bytes(BILL_HEADER, *rows.values())


@pytest.fixture
def refreshed(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "suthra.billing.importing.stats_refresh", lambda keys=None: calls.append(list(keys))
    )
    return calls


@pytest.fixture
def notified(monkeypatch):
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return 1

    monkeypatch.setattr("suthra.notifications.services.notify", fake)
    return calls


@pytest.mark.django_db
def test_manager_previews_then_commits(world, units, login, refreshed, notified):
    client = login(world.manager)
    batch = upload_batch(client, good_file())
    assert batch.status == ImportBatch.Status.PREVIEW
    assert batch.counts["new"] == 3 and batch.counts["rejected"] == 0
    assert len(batch.sha256) == 64 and batch.rows_total == 3
    assert Bill.objects.count() == 0  # nothing before commit
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk}))
    assert b"Commit the accepted rows" in page.content

    upload_key = batch.file_key
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert batch.file_key == "" and not default_storage.exists(upload_key)
    bill = Bill.objects.get(psid=P2)
    assert (bill.unit.survey_id, bill.month, bill.monthly_fee, bill.arrears) == (
        "SP-A-2",
        NOV,
        300,
        600,
    )
    assert bill.status == BillStatus.UNPAID and bill.paid_on is None
    assert refreshed == [[(world.uc_a.pk, NOV)]]
    assert notified[0]["kind"] == "import.finished" and notified[0]["recipients"] == [world.manager]
    assert AuditEvent.objects.filter(action="import.commit", object_id=str(batch.pk)).exists()


@pytest.mark.django_db
def test_same_file_twice_changes_nothing(world, units, login):
    client = login(world.manager)
    commit(client, upload_batch(client, good_file()))
    response = upload(client, good_file())
    assert response.status_code == 400
    assert b"already imported as batch" in response.content
    assert ImportBatch.objects.count() == 1 and Bill.objects.count() == 3


@pytest.mark.django_db
def test_corrected_file_updates_only_what_changed(world, units, login, refreshed):
    client = login(world.manager)
    commit(client, upload_batch(client, good_file()))
    corrected = good_file({P3: f"{P3},Nov-2025,SP-A-3,1200,0,1200"})
    batch = upload_batch(client, corrected)
    assert (batch.counts["new"], batch.counts["changed"], batch.counts["unchanged"]) == (0, 1, 2)
    assert batch.counts["details"]["changes_sample"][0]["changes"] == {"monthly_fee": [1000, 1200]}
    batch = commit(client, batch)
    assert Bill.objects.get(psid=P3).monthly_fee == 1200
    # Only the changed bill has an event (P1 and P2 are untouched).
    assert AuditEvent.objects.filter(action="bill.import_change").count() == 1
    # Which import last wrote each bill: the batches' PSID runs (no column on the bill).
    first = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert first.written_runs() == [[P1, P3]] and batch.written_runs() == [[P3, P3]]
    assert bill_import_batch(P3) == batch and bill_import_batch(P1) == first
    assert bill_import_batch(P3 + 1) is None
    page = client.get(reverse("billing:payment", kwargs={"psid": P1}))
    assert f"Written by import #{first.pk}".encode() in page.content
    event = AuditEvent.objects.get(action="bill.import_change")
    assert event.object_id == str(P3) and event.changes["monthly_fee"] == [1000, 1200]


@pytest.mark.django_db
def test_correction_keeps_a_recorded_payment(world, units, login):
    client = login(world.manager)
    bill = make_bill(units[0], NOV, psid=P1, fee=300, paid=300)
    batch = commit(client, upload_batch(client, good_file()))
    assert batch.counts["unchanged"] == 1 and batch.counts["payment_kept"] == 1
    bill.refresh_from_db()
    assert bill.status == BillStatus.PAID and bill.paid_amount == 300


@pytest.mark.django_db
def test_hostile_rows_are_rejected_with_reasons(world, units, login):
    other = make_unit(world.uc_a, survey_id="SP-A-9")
    make_bill(other, OCT, psid=10020030040059999)
    client = login(world.manager)
    data = csv_bytes(
        BILL_HEADER,
        f"{P1},Nov-2025,SP-A-1,300,0,300",  # ok
        f"{P2},Nov-2025,SP-A-2,-300,0,-300",  # negative
        f"{P3},Nov-2025,SP-A-3,abc,0,300",  # non-numeric
        "10020030040050004,2025-13,SP-A-9,300,0,300",  # 13th month
        "10020030040050005,2025-02-30,SP-A-9,300,0,300",  # impossible date
        "=1+2,Nov-2025,SP-A-9,300,0,300",  # formula
        "10020030040050006,Nov-2025,SP-X-404,300,0,300",  # unknown survey id
        "10020030040059999,Nov-2025,SP-A-9,300,0,300",  # PSID used by another bill (Oct)
        "10020030040050007,Nov-2025,SP-A-9,300,100,300",  # amount due ≠ fee + arrears
        "10020030040050008,Nov-2025,SP-A-9,300,0,300",  # duplicate PSID in the file …
        "10020030040050008,Oct-2025,SP-A-1,300,0,300",  # … here
        "123,Nov-2025,SP-A-9,300,0,300",  # PSID too short
    )
    batch = upload_batch(client, data)
    assert batch.counts["new"] == 1, batch.counts
    reasons = {e["row"]: e["reason"] for e in batch.counts["error_sample"]}
    assert "must not be negative" in reasons[3]
    assert "whole number" in reasons[4]
    assert "month" in reasons[5]
    assert "month" in reasons[6]
    assert "formula" in reasons[7]
    assert "unknown survey id" in reasons[8]
    assert "already belongs to another bill" in reasons[9]
    assert "fee + arrears" in reasons[10]
    assert "appears again" in reasons[11] and "appears again" in reasons[12]
    assert "digits" in reasons[13]
    # The downloadable report has every error, formula-neutralised.
    report = client.get(reverse("imports:errors", kwargs={"pk": batch.pk}))
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "row,column,value,reason"
    assert "'=1+2" in text and "\n7,psid," in text
    before = set(Bill.objects.values_list("psid", flat=True))
    batch = commit(client, batch)
    assert set(Bill.objects.values_list("psid", flat=True)) - before == {P1}


@pytest.mark.django_db
def test_unit_outside_the_uploaders_area_is_rejected(world, units, login):
    client = login(world.manager_multan)
    batch = upload_batch(client, good_file())
    assert batch.counts["new"] == 0 and batch.counts["rejected"] == 3
    assert batch.counts["error_sample"][0]["reason"] == "unit is outside your area"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (BILL_HEADER.encode() + b"\n", "no data rows"),
        (b"psid|bill_month|survey_id_fk\n1|Nov-2025|x\n", "separated by commas"),
        (b"psid,bill_month\n1,Nov-2025\n", "Missing column"),
        (b"\xff\xfe" + b"p\x00s\x00i", "UTF-16"),
        (b"\x00\x01\x02\x03" * 100, "not a text"),
    ],
    ids=["empty", "header-only", "wrong-delimiter", "missing-columns", "bad-utf16", "binary"],
)
def test_unreadable_files_fail_with_a_clear_message(world, login, data, message):
    client = login(world.manager)
    response = upload(client, data)
    if response.status_code == 400:  # refused by the form (empty upload)
        assert message.encode() in response.content.lower()
        return
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    assert message.lower() in batch.message.lower()
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk}))
    assert message.lower().encode() in page.content.lower()


@pytest.mark.django_db
def test_extra_columns_are_ignored_and_listed(world, units, login):
    client = login(world.manager)
    data = csv_bytes(
        BILL_HEADER + ",due_date,remarks", f"{P1},Nov-2025,SP-A-1,300,0,300,2025-11-20,x"
    )
    batch = upload_batch(client, data)
    assert batch.counts["new"] == 1
    assert batch.counts["file"]["ignored_columns"] == ["due_date", "remarks"]


@pytest.mark.django_db
def test_file_over_the_limit_is_refused_before_anything_is_stored(world, login, settings):
    # Stands in for the 50 MB hostile file: the limit is lowered instead of writing 50 MB.
    settings.IMPORT_MAX_BYTES = 4096
    client = login(world.manager)
    response = upload(client, csv_bytes(BILL_HEADER, *["1,Nov-2025,x,1,0,1"] * 400))
    assert response.status_code == 400
    assert b"the limit is" in response.content
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_crash_during_commit_leaves_nothing_and_can_be_restarted(
    world, units, login, monkeypatch
):
    client = login(world.manager)
    batch = upload_batch(client, good_file())

    def boom(keys=None):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("suthra.billing.importing.stats_refresh", boom)
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "nothing was changed" in batch.message
    assert Bill.objects.count() == 0
    monkeypatch.setattr("suthra.billing.importing.stats_refresh", lambda keys=None: None)
    client.post(reverse("imports:restart", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    assert commit(client, batch).status == ImportBatch.Status.DONE
    assert Bill.objects.count() == 3


@pytest.mark.django_db
def test_a_stalled_batch_shows_as_stalled_and_restarts(world, units, login):
    client = login(world.manager)
    batch = upload_batch(client, good_file())
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, heartbeat_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk}))
    assert b"Stalled" in page.content
    client.post(reverse("imports:restart", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


@pytest.mark.django_db
def test_progress_partial_polls_while_running_and_refreshes_when_done(world, units, login):
    client = login(world.manager)
    batch = upload_batch(client, good_file())
    url = reverse("imports:progress", kwargs={"pk": batch.pk})
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, rows_done=1
    )
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in running.content and "HX-Refresh" not in running
    assert b"<progress" in running.content


@pytest.mark.django_db
def test_only_the_uploader_commits(world, units, login):
    batch = upload_batch(login(world.manager), good_file())
    other = login(world.manager_multan)
    response = other.post(reverse("imports:commit", kwargs={"pk": batch.pk}))
    assert response.status_code == 404  # another city's batch is not even visible
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW and Bill.objects.count() == 0


@pytest.mark.django_db
def test_cancel_deletes_the_stored_file(world, units, login):
    client = login(world.manager)
    batch = upload_batch(client, good_file())
    assert default_storage.exists(batch.file_key)
    client.post(reverse("imports:cancel", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CANCELLED
    assert not default_storage.exists(batch.file_key)


@pytest.mark.django_db
def test_month_on_month_checks(world, units, login):
    gone = make_unit(world.uc_a, survey_id="SP-A-8")
    make_bill(units[0], OCT, psid=10020030040040001, fee=300, paid=300)
    make_bill(units[1], OCT, psid=10020030040040002, fee=300, arrears=300)  # due 600, unpaid
    make_bill(units[2], OCT, psid=10020030040040003, fee=900)
    make_bill(gone, OCT, psid=10020030040040008, fee=300)
    client = login(world.manager)
    batch = upload_batch(client, good_file())  # SP-A-2 has arrears 600 ✓, SP-A-3 fee 900 → 1000
    check = batch.counts["details"]["checks"][0]
    assert check["month"] == "Nov-2025" and check["previous"] == "Oct-2025"
    assert check["missing"] == 1 and check["missing_sample"] == ["SP-A-8"]
    assert check["fee_changes"] == 1 and "SP-A-3: 900 → 1000" in check["fee_changes_sample"]
    # SP-A-3 owed 900 in October and paid nothing: November's arrears 0 do not follow.
    assert check["arrears_mismatch"] == 1 and "SP-A-3" in check["arrears_mismatch_sample"][0]
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk}))
    assert b"Billed last month but missing now" in page.content


@pytest.mark.django_db
def test_xlsx_with_several_sheets(world, units, login):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Summary"
    wb.active.append(["Total", 3])
    ws = wb.create_sheet("November")
    ws.append(["PSID", "Bill Month", "Survey ID", "Monthly Fee", "Arrears", "Amount Due"])
    ws.append([str(P1), "Nov-2025", "SP-A-1", 300, 0, 300])
    ws.append([str(P2), dt.datetime(2025, 11, 1), "SP-A-2", 300.0, 600, "=C3+D3"])
    buffer = io.BytesIO()
    wb.save(buffer)
    client = login(world.manager)
    batch = upload_batch(client, buffer.getvalue(), name="bills.xlsx")
    assert batch.counts["file"]["sheet"] == "November"
    assert batch.counts["new"] == 1
    assert "formula" in batch.counts["error_sample"][0]["reason"]


@pytest.mark.django_db
def test_rows_of_an_archived_month_are_refused_and_the_rest_imported(world, units, login):
    from suthra.billing.models import ArchivedMonth

    ArchivedMonth.objects.create(month=dt.date(2025, 10, 1), file_key="archive/x.csv.gz")
    client = login(world.manager)
    data = csv_bytes(
        BILL_HEADER,
        f"{P1},Nov-2025,SP-A-1,300,0,300",
        "10020030040050011,Oct-2025,SP-A-2,300,0,300",  # archived month
    )
    batch = upload_batch(client, data)
    assert batch.counts["new"] == 1, batch.counts
    reasons = {e["row"]: e["reason"] for e in batch.counts["error_sample"]}
    assert "archived" in reasons[3]
    batch = commit(client, batch)
    assert list(Bill.objects.values_list("psid", flat=True)) == [P1]
    assert not Bill.objects.filter(month=dt.date(2025, 10, 1)).exists()


@pytest.mark.django_db
def test_amounts_too_large_for_their_columns_are_row_errors(world, units, login, refreshed):
    """The fee is a 2-byte column and amounts 4-byte ones: a larger number is a clear row
    error in the preview (not a failed import), and the rows that fit are imported."""
    client = login(world.manager)
    data = good_file(
        {
            P1: f"{P1},Nov-2025,SP-A-1,40000,0,40000",  # fee over Rs. 32,767
            P2: f"{P2},Nov-2025,SP-A-2,300,99999999999,100000000299",  # arrears overflow
        }
    )
    batch = upload_batch(client, data)
    reasons = {e["row"]: (e["column"], e["reason"]) for e in batch.counts["error_sample"]}
    assert reasons[2][0].lower().replace(" ", "_") in ("monthly_fee", "fee")
    assert "32,767" in reasons[2][1]
    assert "2,147,483,647" in reasons[3][1]
    batch = commit(client, batch)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert list(Bill.objects.values_list("psid", flat=True)) == [P3]


def test_psid_runs_of_consecutive_numbers():
    assert psid_runs([]) == []
    assert psid_runs([5, 3, 4, 9, 11, 10, 20, 4]) == [[3, 5], [9, 11], [20, 20]]


@pytest.mark.django_db
def test_the_downloaded_error_report_is_capped_and_streamed(world, units, login, settings):
    """Issue 21, finding 4: the report lists IMPORT_ERROR_REPORT_MAX_ROWS problems, then the
    counts per reason of the rest; the preview still counts them all."""
    settings.IMPORT_ERROR_REPORT_MAX_ROWS = 3
    client = login(world.manager)
    bad = [f"1002003004006{i:04d},Nov-2025,SP-A-1,abc,0,300" for i in range(6)]
    bad += [f"1002003004007{i:04d},Nov-2025,SP-X-40{i},300,0,300" for i in range(2)]
    batch = upload_batch(client, csv_bytes(BILL_HEADER, f"{P1},Nov-2025,SP-A-1,300,0,300", *bad))
    assert batch.counts["errors"] == 8 and batch.counts["rejected"] == 8
    report = client.get(reverse("imports:errors", kwargs={"pk": batch.pk}))
    assert report.streaming  # a FileResponse from storage, never the whole file read
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3 + 1
    assert lines[-1].startswith(",,,5 more problems not listed: ")
    assert "monthly fee must be a whole number 3" in lines[-1]
    assert "unknown survey id 2" in lines[-1]
