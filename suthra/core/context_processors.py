from typing import Any

from django.conf import settings
from django.http import HttpRequest

from suthra.core.nav import nav_for


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"SITE_NAME": settings.SITE_NAME, "nav_items": nav_for(user)}
