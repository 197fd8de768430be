"""Consumer units: list (filters + cursor), search, detail, and a unit's bills."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from suthra.accounts import scope
from suthra.api.paging import PageParams, cursor_page
from suthra.api.schemas import PageMeta, one_of, responses
from suthra.units.models import SizeCategory, SurveyUnit

router = Router(tags=["units"])

Category = Annotated[int, one_of(SizeCategory.values, "1 Small, 2 Medium, 3 Large")]


class UnitOut(Schema):
    id: int
    survey_id: str
    uc_id: int
    uc: str
    city: str
    business_type: str
    category: int = Field(description="1 Small, 2 Medium, 3 Large")
    name: str = Field(description="Billing name (the surveyed name unless changed).")
    mobile: str
    address: str
    is_active: bool
    lat: float | None
    lon: float | None


class UnitDetailOut(UnitOut):
    consumer_name: str
    survey_mobile: str
    survey_address: str
    surveyor_name: str
    surveyed_at: dt.datetime | None
    house_type: int
    water_connection: int
    size_marla: float | None


class UnitPage(PageMeta):
    items: list[UnitOut]


class UnitFilters(Schema):
    uc: int | None = Field(None, ge=1, le=32767, description="Union council id.")
    city: int | None = Field(None, ge=1, le=32767, description="City id.")
    business_type: int | None = Field(None, ge=1, le=32767)
    category: Category | None = None
    active: bool | None = None
    surveyed_from: dt.date | None = None
    surveyed_to: dt.date | None = None
    sort: Literal["survey_id", "name"] = "survey_id"


class SearchParams(Schema):
    q: str = Field(..., min_length=2, max_length=100, description="Survey id, PSID, mobile, name…")


def unit_row(u: SurveyUnit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "survey_id": u.survey_id,
        "uc_id": u.uc_id,
        "uc": u.uc.name,
        "city": u.uc.city.name,
        "business_type": u.business_type.name,
        "category": u.category,
        "name": u.billing_name_effective,
        "mobile": u.billing_mobile_effective,
        "address": u.billing_address_effective,
        "is_active": u.is_active,
        "lat": u.lat,
        "lon": u.lon,
    }


def unit_detail(u: SurveyUnit) -> dict[str, Any]:
    return {
        **unit_row(u),
        "consumer_name": u.consumer_name,
        "survey_mobile": u.mobile,
        "survey_address": u.address,
        "surveyor_name": u.surveyor_name,
        "surveyed_at": u.surveyed_at,
        "house_type": u.house_type,
        "water_connection": u.water_connection,
        "size_marla": float(u.size_marla) if u.size_marla is not None else None,
    }


def _units(actor: Any) -> QuerySet[SurveyUnit]:
    qs = SurveyUnit.objects.select_related("uc__city", "business_type")
    return scope.scoped(actor, qs, "uc")


@router.get("/units", response=responses(UnitPage), operation_id="units_list")
def units_list(
    request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Units in the caller's scope, filtered like the unit browser, one cursor page at a time."""
    qs = _units(request.user)
    if filters.uc is not None:
        qs = qs.filter(uc_id=filters.uc)
    if filters.city is not None:
        qs = qs.filter(uc__city_id=filters.city)
    if filters.business_type is not None:
        qs = qs.filter(business_type_id=filters.business_type)
    if filters.category is not None:
        qs = qs.filter(category=filters.category)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.surveyed_from is not None:
        qs = qs.filter(surveyed_at__date__gte=filters.surveyed_from)
    if filters.surveyed_to is not None:
        qs = qs.filter(surveyed_at__date__lte=filters.surveyed_to)
    keys = ["consumer_name"] if filters.sort == "name" else ["survey_id"]
    return cursor_page(qs, keys=keys, params=page, row=unit_row)


@router.get("/units/search", response=responses(list[UnitOut]), operation_id="units_search")
def units_search(request: HttpRequest, params: Query[SearchParams]) -> list[dict[str, Any]]:
    """Up to 25 units in scope matching a survey id, PSID, mobile number, name or address."""
    q = params.q.strip()
    digits = re.sub(r"\D", "", q)
    cond = Q(survey_id__iexact=q) | Q(consumer_name__icontains=q) | Q(billing_name__icontains=q)
    cond |= Q(address__icontains=q)
    if digits and len(digits) >= 10:
        mobile = "0" + digits[2:] if digits.startswith("92") else digits
        cond |= Q(mobile=mobile) | Q(billing_mobile=mobile)
    if digits and len(digits) >= 12 and digits == q.replace(" ", ""):
        cond |= Q(bills__psid=int(digits[:18]))
    rows = _units(request.user).filter(cond).distinct().order_by("survey_id")[:25]
    return [unit_row(u) for u in rows]


@router.get("/units/{unit_id}", response=responses(UnitDetailOut), operation_id="units_detail")
def units_detail(
    request: HttpRequest, unit_id: int = Path(..., ge=1, le=2**31 - 1)
) -> dict[str, Any]:
    """One unit with all its survey fields; 404 when it is outside the caller's scope."""
    qs = SurveyUnit.objects.select_related("uc__city", "business_type")
    unit = scope.get_or_404(request.user, qs, "uc", pk=unit_id)
    return unit_detail(unit)
