"""Report downloads for a reader who works in Urdu: PDF text shaped, headers in Urdu, and the
spreadsheets' header row in Urdu too."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from suthra.stats.services import stats_refresh
from suthra.testing import make_bill, make_unit

NOV = dt.date(2025, 11, 1)


@pytest.fixture
def urdu_head(world):
    make_bill(make_unit(world.uc_a), NOV, fee=300, arrears=300)
    stats_refresh()
    world.head.language = "ur"
    world.head.save()
    return world.head


def _download(client, fmt: str) -> bytes:
    response = client.get(
        reverse("reports:collection"), {"from": "2025-11", "to": "2025-11", "format": fmt}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_pdf_report_in_urdu_is_shaped_with_urdu_headings(urdu_head, login):
    text = PdfReader(io.BytesIO(_download(login(urdu_head), "pdf"))).pages[0].extract_text()
    # Shaped right-to-left runs come back as the same letters, possibly in visual order.
    for word in ("وصولی", "فلٹر", "کل"):
        assert word in text or word[::-1] in text, word
    for english in ("Collection by", "Filters:", "Generated", "Billed (Rs)", "Total"):
        assert english not in text


@pytest.mark.django_db
def test_spreadsheet_report_in_urdu_has_urdu_headers(urdu_head, login):
    sheet = load_workbook(io.BytesIO(_download(login(urdu_head), "xlsx"))).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[0] == "شہر / تحصیل"
    assert "بل شدہ (روپے)" in header
    csv_text = _download(login(urdu_head), "csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("شہر / تحصیل,")
