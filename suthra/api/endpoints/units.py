"""Consumer units: the UC browser (filters + cursor), search, detail, and a unit's bills.

Reads go through ``suthra.units.selectors`` (the same as the unit browser pages).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.core.paging import MIN_SIZE, KeysetPaginator
from suthra.units import selectors
from suthra.units.models import SizeCategory, SurveyUnit

router = Router(tags=["units"])

Category = Annotated[int, one_of(SizeCategory.values, "1 Small, 2 Medium, 3 Large")]


class UnitOut(Schema):
    id: int
    survey_id: str
    uc_id: int
    business_type: str
    category: int = Field(description="1 Small, 2 Medium, 3 Large")
    name: str = Field(description="Billing name (the surveyed name unless changed).")
    mobile: str
    address: str
    is_active: bool
    lat: float | None
    lon: float | None


class CurrentBillOut(Schema):
    psid: str
    status: int = Field(description="0 unpaid, 1 partly paid, 2 paid")
    monthly_fee: int
    arrears: int
    amount_due: int
    paid_amount: int


class BrowseRowOut(UnitOut):
    bill: CurrentBillOut | None = Field(description="The unit's bill of the UC's current month.")


class UnitDetailOut(UnitOut):
    uc: str
    city_id: int
    city: str
    consumer_name: str
    survey_mobile: str
    survey_address: str
    surveyor_name: str
    surveyed_at: dt.datetime | None
    house_type: int
    water_connection: int
    size_marla: float | None


class UnitPage(PageMeta):
    month: str | None = Field(description="The UC's current billing month (YYYY-MM).")
    items: list[BrowseRowOut]


class UnitFilters(Schema):
    uc: int = Field(..., ge=1, le=32767, description="Union council id (see /me).")
    business_type: int | None = Field(None, ge=1, le=32767)
    category: Category | None = None
    active: bool | None = None
    status: Literal["0", "1", "2", "none"] | None = Field(
        None, description="Current bill: 0 unpaid, 1 partly paid, 2 paid, none = no bill."
    )
    arrears_above: int | None = Field(None, ge=0, le=2_000_000_000)
    surveyed_from: dt.date | None = None
    surveyed_to: dt.date | None = None
    sort: Literal["name", "-name", "arrears", "-arrears", "surveyed", "-surveyed", "survey_id"] = (
        "name"
    )


# A search answers a bare list (as it always has); the next page's cursor travels in headers.
SEARCH_SIZE = 25
SEARCH_MAX_SIZE = 100
NEXT_CURSOR_HEADER = "X-Next-Cursor"


class SearchParams(Schema):
    q: str = Field(
        ...,
        min_length=1,
        max_length=100,
        description="Survey id, PSID, mobile (any spelling), name (any script) or address; "
        "at least 3 characters unless it is a mobile number.",
    )
    uc: int | None = Field(None, ge=1, le=32767)
    cursor: str | None = Field(
        None, max_length=2000, description="The X-Next-Cursor header of the previous page."
    )
    size: int = Field(SEARCH_SIZE, ge=MIN_SIZE, le=SEARCH_MAX_SIZE, description="Rows per page.")


def unit_row(u: SurveyUnit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "survey_id": u.survey_id,
        "uc_id": u.uc_id,
        "business_type": u.business_type.name,
        "category": u.category,
        "name": u.billing_name_effective,
        "mobile": u.billing_mobile_effective,
        "address": u.billing_address_effective,
        "is_active": u.is_active,
        "lat": u.lat,
        "lon": u.lon,
    }


def browse_row(u: Any) -> dict[str, Any]:
    bill = None
    if getattr(u, "cur_psid", None) is not None:
        fee = u.cur_fee or 0
        bill = {
            "psid": str(u.cur_psid),
            "status": u.cur_status,
            "monthly_fee": fee,
            "arrears": u.cur_arrears,
            "amount_due": fee + u.cur_arrears,
            "paid_amount": u.cur_paid or 0,
        }
    return {**unit_row(u), "bill": bill}


def unit_detail(u: SurveyUnit) -> dict[str, Any]:
    return {
        **unit_row(u),
        "uc": u.uc.name,
        "city_id": u.uc.city_id,
        "city": u.uc.city.name,
        "consumer_name": u.consumer_name,
        "survey_mobile": u.mobile,
        "survey_address": u.address,
        "surveyor_name": u.surveyor_name,
        "surveyed_at": u.surveyed_at,
        "house_type": u.house_type,
        "water_connection": u.water_connection,
        "size_marla": float(u.size_marla) if u.size_marla is not None else None,
    }


@router.get("/units", response=responses(UnitPage), operation_id="units_list")
def units_list(
    request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """The unit browser: one UC's units (404 if the UC is outside the caller's area) with their
    current bill, filtered and sorted like the page, one cursor page at a time."""
    uc = scope.uc_or_404(request.user, filters.uc)
    browse = selectors.BrowseFilters(
        business_type=filters.business_type,
        category=filters.category,
        active=filters.active,
        status=(
            None
            if filters.status is None
            else selectors.NO_BILL
            if filters.status == "none"
            else int(filters.status)
        ),
        arrears_above=filters.arrears_above,
        surveyed_from=filters.surveyed_from,
        surveyed_to=filters.surveyed_to,
        sort=filters.sort,
    )
    month = selectors.current_month(uc=uc)
    units = selectors.unit_browse(actor=request.user, uc=uc, filters=browse, month=month)
    # The page's current bills come in one query per page (units.selectors).
    result = cursor_page(
        units,
        keys=selectors.SORTS[filters.sort],
        params=page,
        row=browse_row,
        prepare=lambda items: selectors.attach_current_bills(items, month),
    )
    return {**result, "month": f"{month:%Y-%m}" if month else None}


@router.get("/units/search", response=responses(list[UnitOut]), operation_id="units_search")
def units_search(
    request: HttpRequest, response: HttpResponse, params: Query[SearchParams]
) -> list[dict[str, Any]]:
    """Units in the caller's area matching the search box (like the unit browser), one page
    of ``size`` (default 25) at a time, in a stable order. When more match, the
    ``X-Next-Cursor`` header (and a ``Link: <...>; rel="next"`` header) gives the next page:
    pass it back as ``?cursor=``."""
    uc = scope.uc_or_404(request.user, params.uc) if params.uc is not None else None
    query = selectors.parse_search(params.q)
    # The units app's paged search: ordered so that PostgreSQL stops after one page of
    # matches instead of sorting every match (14,500 "Malik"s at 300 k units).
    found = selectors.unit_search_page(actor=request.user, query=query, uc=uc)
    units = found.units.select_related("business_type")
    page = KeysetPaginator(units, keys=found.keys, size=params.size).page(params.cursor or None)
    if page.next_cursor:
        response[NEXT_CURSOR_HEADER] = page.next_cursor
        following = request.GET.copy()
        following["cursor"] = page.next_cursor
        response["Link"] = f'<{request.path}?{following.urlencode()}>; rel="next"'
    return [unit_row(u) for u in page.items]


@router.get("/units/{unit_id}", response=responses(UnitDetailOut), operation_id="units_detail")
def units_detail(
    request: HttpRequest, unit_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One unit with all its survey fields; 404 when it is outside the caller's area."""
    return unit_detail(selectors.unit_get(actor=request.user, pk=unit_id))
