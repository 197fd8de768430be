"""Demo logins, one per role, created on the first `make run` (never in production)."""

from __future__ import annotations

from suthra.accounts.models import Role, Staff
from suthra.locations.models import City, UnionCouncil

DEMO_PASSWORD = "suthra-demo-2025"
# username, full name, role, city, UC names
DEMO_USERS = [
    ("head", "Head Office", Role.HEAD, None, []),
    ("manager", "Manager Punjab", Role.MANAGER, None, []),
    ("supervisor", "Supervisor Lahore", Role.SUPERVISOR, "Lahore", []),
    ("agent", "Ahmed Butt (Agent)", Role.AGENT, "Lahore", ["UC-Ravi", "UC-Shalimar"]),
    ("agent2", "Zainab Awan (Agent)", Role.AGENT, "Multan", ["UC-Bosan"]),
]


def ensure_demo_users() -> list[Staff]:
    users = []
    for username, full_name, role, city_name, uc_names in DEMO_USERS:
        user, created = Staff.objects.get_or_create(
            username=username, defaults={"full_name": full_name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if city_name:
                city = City.objects.filter(name=city_name).first()
                if city:
                    user.cities.set([city])
                    user.ucs.set(UnionCouncil.objects.filter(city=city, name__in=uc_names))
        users.append(user)
    return users
