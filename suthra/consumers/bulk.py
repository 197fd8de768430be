"""Bulk printing for the background export (``reports.services.export_run`` calls these):
one PDF of bills or of defaulter notices (three a page, cut lines), or a zip of one PDF per
union council."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.db.models import QuerySet

from suthra.billing.models import Bill
from suthra.consumers import printing, selectors
from suthra.consumers.models import BillSettings, Notice
from suthra.locations.models import UnionCouncil


def write_bills_pdf(
    out: IO[bytes],
    bills: QuerySet[Bill],
    *,
    base: str = "",
    progress: Callable[[int], None] | None = None,
    layout: str = "a4-3",
) -> int:
    """Write the PDF of ``bills`` (scoped and filtered by the caller); returns the count."""
    s = BillSettings.load()
    sheets = selectors.bill_sheets(bills, base=base, settings_row=s)
    return _write_sheets(
        out,
        sheets,
        s,
        title="Bills",
        empty="No bills match these filters.",
        progress=progress,
        layout=layout,
    )


def write_notices_pdf(
    out: IO[bytes],
    notices: QuerySet[Notice],
    *,
    base: str = "",
    progress: Callable[[int], None] | None = None,
    layout: str = "a4-3",
) -> int:
    """Write the PDF of ``notices`` (scoped and filtered by the caller); returns the count."""
    sheets = selectors.notice_sheets(notices, base=base)
    return _write_sheets(
        out,
        sheets,
        BillSettings.load(),
        title="Notices",
        empty="No notices match these filters.",
        progress=progress,
        layout=layout,
    )


def _write_sheets(
    out: IO[bytes],
    sheets: Iterable[Any],
    settings_row: BillSettings,
    *,
    title: str,
    empty: str,
    progress: Callable[[int], None] | None,
    layout: str,
) -> int:
    # One PDF of bill-like sheets (bills or notices), progress every 100, a line when none.
    doc = printing.BillPDF(layout=layout, texts=selectors.texts(settings_row), title=title)
    for sheet in sheets:
        doc.add(sheet)
        if progress is not None and doc.count % 100 == 0:
            progress(doc.count)
    if doc.count == 0:
        doc.pdf.add_page()
        doc.en(10, 20, 190, empty, 10)
    doc.output(out)
    return doc.count


def write_notices_zip(
    out: IO[bytes],
    notices: QuerySet[Notice],
    *,
    base: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """A zip of one notices PDF per union council (``<city>/<uc>-<id>.pdf``)."""
    return write_bills_zip(out, notices, base=base, progress=progress, writer=write_notices_pdf)


def write_bills_zip(
    out: IO[bytes],
    bills: QuerySet[Any],
    *,
    base: str = "",
    progress: Callable[[int], None] | None = None,
    writer: Callable[..., int] = write_bills_pdf,
) -> int:
    """A zip of one PDF per union council (``<city>/<uc>.pdf``), one UC in memory at a time;
    ``writer`` writes one UC's PDF (bills, or notices: both reach the UC as ``unit__uc``)."""
    done = 0
    uc_ids = sorted(set(bills.order_by().values_list("unit__uc_id", flat=True).distinct()))
    names: dict[int, Any] = {
        uc.id: uc for uc in UnionCouncil.objects.select_related("city").filter(id__in=uc_ids)
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        for uc_id in uc_ids:
            uc = names[uc_id]

            def step(n: int, _base: int = done) -> None:
                if progress is not None:
                    progress(_base + n)

            with tempfile.TemporaryFile() as tmp:
                done += writer(tmp, bills.filter(unit__uc_id=uc_id), base=base, progress=step)
                tmp.seek(0)
                name = f"{_safe(uc.city.name)}/{_safe(uc.name)}-{uc.id}.pdf"
                with z.open(name, "w") as entry:
                    while chunk := tmp.read(1 << 20):
                        entry.write(chunk)
            if progress is not None:
                progress(done)
    return done


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text) or "x"
