"""The JSON API, version 1: one NinjaAPI, one router per domain noun.

OpenAPI is generated from the code (``/api/v1/openapi.json``) and the interactive docs
(``/api/v1/docs``, Swagger UI served from ninja's own static files, no CDN) are for logged-in
staff. Every operation needs a token or the site session (``suthra/api/auth.py``), is rate
limited per token (``throttle.py``) and answers errors as JSON (``errors.py``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI, Swagger

from suthra.api import errors
from suthra.api.auth import StaffSessionAuth, TokenAuth
from suthra.api.endpoints import (
    billing,
    cash,
    consumers,
    dashboard,
    imports,
    me,
    notifications,
    tickets,
    units,
    visits,
)
from suthra.api.throttle import TokenThrottle

# URL names live in this namespace ("api:units_list"); suthra/testing/access.py exempts it from the
# page access matrix because suthra/api/tests check every endpoint per role and scope.
NAMESPACE = "api"

api = NinjaAPI(
    title="Suthra Punjab Billing API",
    version="1",
    description=(
        "Scoped like the web pages: every caller sees only their union councils; an object "
        "outside them is a 404. Authenticate with `Authorization: Bearer <token>` (create "
        "tokens on the API tokens page) or the site session (writes need `X-CSRFToken`). "
        "Lists are paged by cursor. Errors: `{detail, errors[]}`. See docs/API.md."
    ),
    auth=[TokenAuth(), StaffSessionAuth()],
    throttle=[TokenThrottle()],
    urls_namespace=NAMESPACE,
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    docs_decorator=login_required,
)
errors.install(api)

api.add_router("", me.router)
api.add_router("", units.router)
api.add_router("", billing.router)
api.add_router("", tickets.router)
api.add_router("", visits.router)
api.add_router("", imports.router)
api.add_router("", dashboard.router)
api.add_router("", notifications.router)
api.add_router("", consumers.router)
api.add_router("", cash.router)
