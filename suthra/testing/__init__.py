"""Shared test data: named staff per role and scope, and small factories for domain data.

World layout (used by every app's tests):
    Lahore:     UC A ("UC-Ravi"), UC B ("UC-Shalimar")
    Multan:     UC C ("UC-Bosan")
    agent_a → UC A; agent_b → UC B; supervisor → Lahore; supervisor_multan → Multan;
    manager → all cities; manager_multan → Multan only; head → everything.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from suthra.accounts.models import Role, Staff
from suthra.billing.models import Bill, PaymentChannel
from suthra.locations.models import City, UnionCouncil
from suthra.units.models import BusinessType, SizeCategory, SurveyUnit, Tariff

TEST_PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


@dataclass
class World:
    lahore: City
    multan: City
    uc_a: UnionCouncil
    uc_b: UnionCouncil
    uc_c: UnionCouncil
    agent_a: Staff
    agent_b: Staff
    supervisor: Staff
    supervisor_multan: Staff
    manager: Staff
    manager_multan: Staff
    head: Staff
    barber: BusinessType

    @property
    def users(self) -> dict[str, Staff]:
        return {
            "agent_a": self.agent_a,
            "agent_b": self.agent_b,
            "supervisor": self.supervisor,
            "supervisor_multan": self.supervisor_multan,
            "manager": self.manager,
            "manager_multan": self.manager_multan,
            "head": self.head,
        }


def make_staff(
    username: str,
    role: Role,
    *,
    cities: list[City] | None = None,
    ucs: list[UnionCouncil] | None = None,
    **extra: Any,
) -> Staff:
    user = Staff.objects.create_user(
        username,
        TEST_PASSWORD,
        full_name=extra.pop("full_name", username.title()),
        role=role,
        **extra,
    )
    if cities:
        user.cities.set(cities)
    if ucs:
        user.ucs.set(ucs)
    return user


def make_world() -> World:
    lahore = City.objects.create(name="Lahore", lat=31.52, lon=74.36)
    multan = City.objects.create(name="Multan", lat=30.16, lon=71.52)
    uc_a = UnionCouncil.objects.create(city=lahore, name="UC-Ravi")
    uc_b = UnionCouncil.objects.create(
        city=lahore, name="UC-Shalimar", type=UnionCouncil.Type.RURAL
    )
    uc_c = UnionCouncil.objects.create(city=multan, name="UC-Bosan")
    barber = BusinessType.objects.create(name="Barber")
    Tariff.objects.create(business_type=barber, category=SizeCategory.SMALL, monthly_fee=300)
    Tariff.objects.create(business_type=barber, category=SizeCategory.MEDIUM, monthly_fee=1000)
    return World(
        lahore=lahore,
        multan=multan,
        uc_a=uc_a,
        uc_b=uc_b,
        uc_c=uc_c,
        agent_a=make_staff("agent_a", Role.AGENT, cities=[lahore], ucs=[uc_a]),
        agent_b=make_staff("agent_b", Role.AGENT, cities=[lahore], ucs=[uc_b]),
        supervisor=make_staff("supervisor", Role.SUPERVISOR, cities=[lahore]),
        supervisor_multan=make_staff("supervisor_multan", Role.SUPERVISOR, cities=[multan]),
        manager=make_staff("manager", Role.MANAGER),
        manager_multan=make_staff("manager_multan", Role.MANAGER, cities=[multan]),
        head=make_staff("head", Role.HEAD),
        barber=barber,
    )


def make_unit(uc: UnionCouncil, **fields: Any) -> SurveyUnit:
    n = next(_seq)
    business_type = (
        fields.pop("business_type", None) or BusinessType.objects.get_or_create(name="Barber")[0]
    )
    defaults: dict[str, Any] = {
        "survey_id": f"SP-TST-{n:07d}",
        "consumer_name": f"Consumer {n}",
        "mobile": f"0300{n:07d}",
        "address": f"Shop {n}, Street 1",
        "category": SizeCategory.SMALL,
        "lat": 31.5 + n / 10000,
        "lon": 74.3 + n / 10000,
    }
    defaults.update(fields)
    return SurveyUnit.objects.create(uc=uc, business_type=business_type, **defaults)


def make_bill(
    unit: SurveyUnit,
    month: dt.date,
    *,
    fee: int = 300,
    arrears: int = 0,
    paid: int = 0,
    paid_on: dt.date | None = None,
    psid: int | None = None,
    channel: int = PaymentChannel.NONE,
) -> Bill:
    n = next(_seq)
    if paid:
        paid_on = paid_on or month + dt.timedelta(days=10)
        channel = channel or PaymentChannel.BANK_COUNTER
    return Bill.objects.create(
        psid=psid or 10_000_000_000_000_000 + n,
        unit=unit,
        month=month,
        monthly_fee=fee,
        arrears=arrears,
        paid_amount=paid,
        paid_on=paid_on,
        channel=channel,
    )
